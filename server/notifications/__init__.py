"""Notifications: written to an outbox in the same transaction as the event that causes them."""
