"""Light warnings (亮灯预警): green while on time, yellow when most of the resolve time is used,
red when overdue. Defined once; the committee's desk, notifications and public pages use it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from server.requests.enums import OPEN_STATUSES

DEFAULT_YELLOW_SHARE = 0.75


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def light_of(*, status: str, submitted_at: datetime, resolve_deadline: datetime | None,
             now: datetime, yellow_share: float = DEFAULT_YELLOW_SHARE) -> Light | None:
    """The light of an open request; None once it is finished (closed, rejected, cancelled)."""
    if status not in OPEN_STATUSES or resolve_deadline is None:
        return None
    if now > resolve_deadline:
        return Light.RED
    if now - submitted_at >= (resolve_deadline - submitted_at) * yellow_share:
        return Light.YELLOW
    return Light.GREEN


def yellow_at(*, submitted_at: datetime, resolve_deadline: datetime,
              yellow_share: float = DEFAULT_YELLOW_SHARE) -> datetime:
    """When a request turns yellow: lets queries find lights with an index on the deadline."""
    return submitted_at + (resolve_deadline - submitted_at) * yellow_share
