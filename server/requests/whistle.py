"""The whistle (吹哨报到): a request's referral to a functional department, its deadline, the
department's report-back and response. The rules live with the request; the departments
themselves are duty's (``server.duty``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.accounts.models import User
from server.duty.models import Department
from server.errors import Code, Conflict
from server.extensions import db
from server.requests import reads, workflow
from server.requests.enums import Action
from server.requests.models import Request, Whistle


def whistle_data(department: Department, now: datetime) -> dict:
    deadline = now + timedelta(hours=department.response_hours)
    deadline = deadline.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))  # as every time shown
    return {"department": department.code, "department_id": department.id,
            "department_name": department.name, "deadline": deadline.isoformat()}


def open_whistle(*, request_id: int, department: Department, note: str | None, actor: User,
                 now: datetime) -> Whistle:
    whistle = Whistle(request_id=request_id, department_id=department.id, note=note,
                      deadline=now + timedelta(hours=department.response_hours),
                      created_by_id=actor.id, created_at=now)
    db.session.add(whistle)
    return whistle


def pending_whistle(request_id: int) -> Whistle | None:
    return db.session.scalar(
        select(Whistle).where(Whistle.request_id == request_id, Whistle.responded_at.is_(None))
        .order_by(Whistle.id.desc()).limit(1)
    )


def close_whistle(*, request_id: int, response: str | None, now: datetime) -> None:
    """The department's response was recorded (the request moves on to review)."""
    whistle = pending_whistle(request_id)
    if whistle is not None:
        whistle.responded_at = now
        whistle.response = response


def report_back(*, request_id: int, actor: User, note: str | None, now: datetime) -> Request:
    """Record that the department reported for duty (报到) on a whistled request."""
    from server.requests.service import get_visible  # service opens whistles: import late

    request, standing = get_visible(request_id, actor)
    _rule, relation = workflow.decide(request, Action.REPORT_BACK, standing)
    whistle = pending_whistle(request.id)
    if whistle is None or whistle.reported_at is not None:
        raise Conflict("该部门已报到", code=Code.STATUS_FORBIDS)
    workflow.apply(request, Action.REPORT_BACK, actor_id=actor.id, relation=relation, now=now,
                   note=note, data={"whistle_id": whistle.id,
                                    "department": whistle.department.code})
    whistle.reported_at = now
    whistle.report_note = note
    reads.record_detail_read(request, viewer=actor, standing=standing, now=now)
    db.session.commit()
    return request
