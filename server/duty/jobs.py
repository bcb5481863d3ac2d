"""Duty's scheduled jobs: escalation along the hops, light warnings, overdue whistles."""

from __future__ import annotations

from server.duty.service import escalate_due, light_sweep, whistle_sweep
from server.jobs import Job

JOBS = [
    Job("duty.escalate_hops", escalate_due,
        "move requests past their hop's accept deadline to the next hop (A → B → committee)",
        trigger_args={"seconds": 30}),
    Job("duty.lights", light_sweep, "yellow and red light warnings, once each per cycle",
        trigger_args={"minutes": 1}),
    Job("duty.whistle_overdue", whistle_sweep, "tell the committee about overdue whistles",
        trigger_args={"minutes": 5}),
]
