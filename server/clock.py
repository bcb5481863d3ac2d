"""The one source of 'now'. Services and jobs take ``now`` explicitly; views ask the clock.

Tests install a :class:`FrozenClock` on the app instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app


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


def init_app(app) -> None:
    app.extensions.setdefault("clock", SystemClock())
