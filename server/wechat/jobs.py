"""Scheduled work of the WeChat services."""

from __future__ import annotations

from datetime import datetime

from server.jobs import Job
from server.wechat import security


def content_checks(now: datetime) -> dict:
    """Retry text checks WeChat did not answer and send queued photos to media_check_async."""
    return security.run_due_checks(now)


JOBS = [
    Job("wechat.content_checks", content_checks,
        "retry content-security checks and submit photos for checking", "interval",
        {"minutes": 1}),
]
