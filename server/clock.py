"""The one source of 'now'. Services and jobs take ``now`` explicitly; views ask the clock.

Tests install a :class:`FrozenClock` on the app instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

# The dates the product can mean. Beyond them, a date is an attack or a typo: arithmetic on
# 9999-12-31 or 0001-01-01 (a window, a time zone) overflows; both are refused as input.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def in_calendar(moment: datetime) -> bool:
    """``moment`` (aware, or a naive local date/time) lies between EARLIEST and LATEST."""
    if moment.tzinfo is None:
        return EARLIEST.replace(tzinfo=None) <= moment < LATEST.replace(tzinfo=None)
    return EARLIEST <= moment < LATEST


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


def now() -> datetime:
    return current_app.extensions["clock"].now()


def local_zone() -> ZoneInfo:
    """The deployment's time zone (``TIMEZONE``: Asia/Shanghai in China)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in ``zone`` with its offset (+08:00 in China), as every answer shows a moment."""
    return None if value is None else value.astimezone(zone).isoformat()


def init_app(app) -> None:
    app.extensions.setdefault("clock", SystemClock())
