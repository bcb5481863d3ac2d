"""Duty posts and escalation: the roster (shifts, leave), who is on duty, the escalation sweep,
light warnings and the whistle to departments (吹哨报到)."""
