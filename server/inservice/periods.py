"""Years and quarters are counted in the deployment's time zone (a year starts at local
midnight on 1 January), and returned as UTC bounds for queries."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(now: datetime) -> datetime:
    return now.astimezone(_zone())


def year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = _zone()
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def quarter_of(now: datetime) -> tuple[str, datetime, datetime]:
    """The quarter containing ``now``: its label (``2026Q4``) and UTC bounds."""
    moment = local(now)
    index = (moment.month - 1) // 3
    start = datetime(moment.year, index * 3 + 1, 1, tzinfo=moment.tzinfo)
    end = (datetime(moment.year + 1, 1, 1, tzinfo=moment.tzinfo) if index == 3
           else datetime(moment.year, index * 3 + 4, 1, tzinfo=moment.tzinfo))
    return f"{moment.year}Q{index + 1}", start.astimezone(UTC), end.astimezone(UTC)
