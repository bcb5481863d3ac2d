"""Scheduled work over requests: escalation along the hops, light warnings, overdue whistles
(duty's sweeps; their names are kept) and content-security checks with WeChat."""

from __future__ import annotations

from datetime import datetime

from server.jobs import Job
from server.requests import content
from server.requests.escalation import escalate_due, light_sweep, whistle_sweep


def content_checks(now: datetime) -> dict:
    """Retry text checks WeChat did not answer and send queued photos to media_check_async."""
    return content.run_due_checks(now)


JOBS = [
    Job("duty.escalate_hops", escalate_due,
        "move requests past their hop's accept deadline to the next hop (A → B → committee)",
        trigger_args={"seconds": 30}),
    Job("duty.lights", light_sweep, "yellow and red light warnings, once each per cycle",
        trigger_args={"minutes": 1}),
    Job("duty.whistle_overdue", whistle_sweep, "tell the committee about overdue whistles",
        trigger_args={"minutes": 5}),
    Job("wechat.content_checks", content_checks,
        "retry content-security checks and submit photos for checking", "interval",
        {"minutes": 1}),
]
