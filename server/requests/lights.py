"""Light warnings (亮灯预警): green while on time, yellow when most of the resolve time is used,
red when overdue. Defined once; the committee's desk, notifications and public pages use it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, case, exists, func, or_, select

from server.extensions import db
from server.requests.enums import OPEN_STATUSES
from server.requests.models import Request, Whistle

DEFAULT_YELLOW_SHARE = 0.75


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def light_of(*, status: str, submitted_at: datetime, resolve_deadline: datetime | None,
             now: datetime, yellow_share: float = DEFAULT_YELLOW_SHARE) -> Light | None:
    """The light of an open request; None once it is finished (closed, rejected, cancelled)."""
    turn = None if resolve_deadline is None else yellow_at(
        submitted_at=submitted_at, resolve_deadline=resolve_deadline, yellow_share=yellow_share)
    return light_from(status, submitted_at, resolve_deadline, turn, now, None)


def yellow_at(*, submitted_at: datetime, resolve_deadline: datetime,
              yellow_share: float = DEFAULT_YELLOW_SHARE) -> datetime:
    """When a request turns yellow: lets queries find lights with an index on the deadline."""
    return submitted_at + (resolve_deadline - submitted_at) * yellow_share


def open_whistle_deadline(request) -> datetime | None:
    """The deadline of the request's unanswered whistle (吹哨), if any."""
    pending = [w.deadline for w in getattr(request, "whistles", ()) if w.responded_at is None]
    return min(pending) if pending else None


def open_whistle_deadlines(request_ids: list[int]) -> dict[int, datetime]:
    """``open_whistle_deadline`` of many requests in one statement (rows have no whistles):
    the earliest unanswered whistle of each one that has any."""
    if not request_ids:
        return {}
    return dict(db.session.connection().execute(
        select(Whistle.request_id, func.min(Whistle.deadline))
        .where(Whistle.request_id.in_(request_ids), Whistle.responded_at.is_(None))
        .group_by(Whistle.request_id)).all())


def light_for(request, now: datetime) -> Light | None:
    """The light of one request object: red also when a whistle to a department is overdue."""
    whistle = open_whistle_deadline(request) if request.status == "referred" else None
    return light_at(request, now, whistle=whistle)


def light_at(request, now: datetime, *, whistle: datetime | None) -> Light | None:
    """The light of anything with a request's status, deadlines and ``yellow_at`` (an object or
    a row), given the deadline of its unanswered whistle, if any."""
    return light_from(request.status, request.submitted_at, request.resolve_deadline,
                      request.yellow_at, now, whistle)


def light_from(status: str, submitted_at: datetime, resolve_deadline: datetime | None,
               turns_yellow: datetime | None, now: datetime,
               whistle: datetime | None) -> Light | None:
    """``light_at`` from the values themselves (the hot lists unpack their rows)."""
    if status not in OPEN_STATUSES or resolve_deadline is None:
        return None
    if now > resolve_deadline or (whistle is not None and now > whistle):
        return Light.RED
    turn = turns_yellow or yellow_at(submitted_at=submitted_at, resolve_deadline=resolve_deadline)
    return Light.YELLOW if now >= turn else Light.GREEN


def red_clause(now: datetime):
    """SQL over ``Request``: open and overdue, or whistled to a department that is overdue."""
    overdue_whistle = exists().where(Whistle.request_id == Request.id,
                                     Whistle.responded_at.is_(None), Whistle.deadline < now)
    return and_(Request.status.in_(OPEN_STATUSES),
                or_(Request.resolve_deadline < now,
                    and_(Request.status == "referred", overdue_whistle)))


def light_case(now: datetime):
    """SQL expression giving each open request's light (NULL for finished ones)."""
    return case(
        (Request.status.not_in(OPEN_STATUSES), None),
        (red_clause(now), Light.RED.value),
        (and_(Request.yellow_at.is_not(None), Request.yellow_at <= now), Light.YELLOW.value),
        else_=Light.GREEN.value,
    )
