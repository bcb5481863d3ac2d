from __future__ import annotations

from datetime import datetime

from server.jobs import Job
from server.sunlight import service


def weekly_report(now: datetime) -> str:
    """Store last week's figures per community and notify each committee (每周会商)."""
    return f"{service.store_weekly_reports(now=now)} weekly reports stored"


# Hourly, not weekly: the job is state-based, so a missed Monday is caught up within the hour.
JOBS = [Job("weekly_report", weekly_report, "每周会商：保存上周各社区指标并通知社区两委",
            trigger="interval", trigger_args={"hours": 1})]
