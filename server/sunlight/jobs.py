from __future__ import annotations

from datetime import datetime

from server.jobs import Job
from server.sunlight import boardcache, service


def weekly_report(now: datetime) -> str:
    """Store last week's figures per community and notify each committee (每周会商)."""
    return f"{service.store_weekly_reports(now=now)} weekly reports stored"


def refresh_boards(now: datetime) -> str:
    """Render again the community boards people are reading, before they grow old, so that
    web workers serve them instead of computing them (``server.sunlight.boardcache``)."""
    return f"{boardcache.refresh_due(now)} public pages rendered again"


# Hourly, not weekly: the job is state-based, so a missed Monday is caught up within the hour.
JOBS = [Job("weekly_report", weekly_report, "每周会商：保存上周各社区指标并通知社区两委",
            trigger="interval", trigger_args={"hours": 1}),
        # Every few seconds: a board is rendered again once it is half a lifetime old
        # (SUNLIGHT_BOARD_CACHE_SECONDS, 10 in production); nothing to do while nobody reads.
        Job("sunlight.refresh_boards", refresh_boards, "晒单看板：在有人浏览时提前重新生成社区看板",
            trigger="interval", trigger_args={"seconds": 3})]
