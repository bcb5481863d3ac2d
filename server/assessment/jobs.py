from __future__ import annotations

from datetime import datetime

from server.assessment import meeting
from server.jobs import Job


def meeting_packs(now: datetime) -> str:
    """Store last week's meeting pack of every street and tell its staff (每周会商)."""
    return f"{meeting.store(now)} meeting packs stored"


# Hourly, not weekly: the job is state-based, so a missed Monday is caught up within the hour.
JOBS = [Job("meeting_packs", meeting_packs, "每周会商：保存各街道上周会商材料并通知街道",
            trigger="interval", trigger_args={"hours": 1})]
