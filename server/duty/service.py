"""Use cases of duty: the escalation sweep, light warnings, the whistle, the roster.

Jobs take ``now`` and are idempotent and state-based: a request moves only through
``workflow.apply`` (a conditional update on its version), an alert is a unique row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.accounts import service as accounts
from server.accounts.models import User
from server.admin.service import audit
from server.duty import notices
from server.duty.models import Department, Leave, LightAlert, Shift, Whistle
from server.duty.queries import on_duty_for_section
from server.errors import Conflict, Invalid, NotFound
from server.extensions import db
from server.grid.models import Section, Team, TeamMember
from server.requests import dispatch, workflow
from server.requests.enums import OPEN_STATUSES, Action, Hop, Relation, Status
from server.requests.lights import Light, red_clause
from server.requests.models import Request

log = logging.getLogger(__name__)


# --- escalation ----------------------------------------------------------------------------


def escalate_due(now: datetime, *, batch: int = 500) -> dict:
    """Move every request past its hop's accept deadline to its next hop.

    A request late for several hops (after downtime) catches up in one run, one timeline
    event per hop, each dated when that hop's deadline passed. Due requests are found through
    the ``(status, accept_deadline)`` index, so the cost follows the due work, not the table.
    """
    due = list(db.session.scalars(
        select(Request.id)
        .where(Request.status == Status.DISPATCHED, Request.accept_deadline <= now)
        .order_by(Request.accept_deadline, Request.id).limit(batch)
    ))
    requests = hops = 0
    for request_id in due:
        try:
            moved = _escalate_one(request_id, now)
            db.session.commit()
        except Conflict:  # accepted or changed by someone while we looked: nothing to do
            db.session.rollback()
            continue
        requests += bool(moved)
        hops += moved
    return {"due": len(due), "escalated": requests, "hops": hops}


def _escalate_one(request_id: int, now: datetime) -> int:
    request = db.session.get(Request, request_id, populate_existing=True)
    section = db.session.get(Section, request.section_id)
    moved = 0
    while (request.status == Status.DISPATCHED and request.accept_deadline is not None
           and request.accept_deadline <= now):
        arrived = request.accept_deadline
        previous = Hop(request.hop) if request.hop else None
        stop = dispatch.next_stop(category=request.category, section=section, after=previous,
                                  at=arrived)
        data = {"from_hop": request.hop, "to_hop": stop.hop.value,
                "team_id": stop.team.id if stop.team else None,
                "skipped": [h.value for h in stop.skipped], "swept_at": now.isoformat()}
        workflow.apply(request, Action.ESCALATE_HOP, actor_id=None, relation=Relation.SYSTEM,
                       now=arrived, data=data, changes=stop.columns())
        moved += 1
    if moved:
        notices.new_task(request, now=now)
    return moved


# --- lights ----------------------------------------------------------------------------------


def _alert(request: Request, light: Light, now: datetime) -> bool:
    """Record that ``light`` was raised for this cycle; False when it already was."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(LightAlert)
        .values(request_id=request.id, cycle=request.reopen_count, light=light.value,
                created_at=now)
        .on_conflict_do_nothing(index_elements=["request_id", "cycle", "light"])
        .returning(LightAlert.id)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def _not_alerted(light: Light):
    return ~exists().where(LightAlert.request_id == Request.id,
                           LightAlert.cycle == Request.reopen_count,
                           LightAlert.light == light.value)


def light_sweep(now: datetime) -> dict:
    """Yellow tells the handler, red tells the committee (督办): once each per cycle."""
    counts = {"red": 0, "yellow": 0}
    reds = db.session.scalars(select(Request).where(red_clause(now), _not_alerted(Light.RED)))
    for request in list(reds):
        if _alert(request, Light.RED, now):
            _alert(request, Light.YELLOW, now)  # a request found red skips its yellow notice
            notices.red(request, now=now)
            counts["red"] += 1
        db.session.commit()
    yellows = db.session.scalars(select(Request).where(
        Request.status.in_(OPEN_STATUSES), Request.yellow_at <= now, _not_alerted(Light.YELLOW)))
    for request in list(yellows):
        if _alert(request, Light.YELLOW, now):
            notices.yellow(request, now=now)
            counts["yellow"] += 1
        db.session.commit()
    return counts


def whistle_sweep(now: datetime) -> dict:
    """Tell the committee once when a department lets a whistle's deadline pass."""
    rows = db.session.scalars(
        select(Whistle).join(Request, Request.id == Whistle.request_id)
        .where(Whistle.responded_at.is_(None), Whistle.deadline < now,
               Whistle.overdue_notified_at.is_(None), Request.status == Status.REFERRED)
    )
    sent = 0
    for whistle in list(rows):
        claimed = db.session.execute(
            update(Whistle).where(Whistle.id == whistle.id, Whistle.overdue_notified_at.is_(None))
            .values(overdue_notified_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            notices.whistle_overdue(whistle.request, whistle.department.name, now=now)
            sent += 1
        db.session.commit()
    return {"overdue": sent}


# --- the whistle (吹哨报到) -------------------------------------------------------------------


def find_department(ref: str | int) -> Department:
    """A department by id (digits) or code; an unknown or inactive one is a 422."""
    text = str(ref).strip()
    by_id = text.isdigit() and len(text) < 10
    clause = Department.id == int(text) if by_id else Department.code == text
    department = db.session.scalar(select(Department).where(clause, Department.is_active.is_(True)))
    if department is None:
        raise Invalid("未知的职能部门", errors={"department": ["unknown department"]})
    return department


def whistle_data(department: Department, now: datetime) -> dict:
    deadline = now + timedelta(hours=department.response_hours)
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
    from server.requests.service import get_visible

    request, standing = get_visible(request_id, actor)
    _rule, relation = workflow.decide(request, Action.REPORT_BACK, standing)
    whistle = pending_whistle(request.id)
    if whistle is None or whistle.reported_at is not None:
        raise Conflict("该部门已报到", code=40901)
    workflow.apply(request, Action.REPORT_BACK, actor_id=actor.id, relation=relation, now=now,
                   note=note, data={"whistle_id": whistle.id,
                                    "department": whistle.department.code})
    whistle.reported_at = now
    whistle.report_note = note
    db.session.commit()
    return request


def departments() -> list[Department]:
    return list(db.session.scalars(
        select(Department).where(Department.is_active.is_(True)).order_by(Department.id)))


# --- the roster --------------------------------------------------------------------------------


def team_for_committee(team_id: int, actor: User) -> Team:
    """The team, when ``actor`` is on its community's committee; otherwise 404."""
    team = db.session.get(Team, team_id)
    if team is None or not accounts.is_committee_of(actor.id, team.community_id):
        raise NotFound("服务队不存在")
    return team


def shifts_of(*, team_id: int, actor: User) -> list[Shift]:
    team_for_committee(team_id, actor)
    return list(db.session.scalars(
        select(Shift).where(Shift.team_id == team_id)
        .order_by(Shift.weekday, Shift.start_minute, Shift.user_id)))


def replace_shifts(*, team_id: int, shifts: list[dict], actor: User, now: datetime) -> list[Shift]:
    """Replace a team's weekly roster; every shift's member must serve in the team."""
    team = team_for_committee(team_id, actor)
    members = set(db.session.scalars(select(TeamMember.user_id).where(
        TeamMember.team_id == team.id, TeamMember.is_active.is_(True))))
    strangers = sorted({s["user_id"] for s in shifts} - members)
    if strangers:
        raise Invalid("排班人员不是本服务队成员", errors={"shifts": [f"not a member: {strangers}"]})
    db.session.execute(delete(Shift).where(Shift.team_id == team.id))
    db.session.add_all([Shift(team_id=team.id, created_at=now, **s) for s in shifts])
    audit(actor=actor, action="duty.shifts", subject="team", subject_id=team.id,
          community_id=team.community_id, now=now, data={"shifts": len(shifts)})
    db.session.commit()
    return shifts_of(team_id=team.id, actor=actor)


def _committee_member_clause(actor: User, user_column):
    """SQL: ``user_column`` serves in a team of a community ``actor`` is committee of."""
    return exists().where(
        TeamMember.user_id == user_column, TeamMember.team_id == Team.id,
        Team.community_id.in_(accounts.committee_communities(actor.id)),
    )


def _community_of_member(actor: User, user_id: int) -> int | None:
    """The community (of the actor's committee) where ``user_id`` serves: for the audit trail."""
    return db.session.scalar(select(Team.community_id).where(
        TeamMember.user_id == user_id, TeamMember.team_id == Team.id,
        Team.community_id.in_(accounts.committee_communities(actor.id))).limit(1))


def add_leave(*, user_id: int, starts_at: datetime, ends_at: datetime, reason: str | None,
              actor: User, now: datetime) -> Leave:
    if not db.session.scalar(select(_committee_member_clause(actor, user_id))):
        raise NotFound("成员不存在")
    if ends_at <= starts_at:
        raise Invalid("请假结束时间须晚于开始时间", errors={"ends_at": ["must be after starts_at"]})
    leave = Leave(user_id=user_id, starts_at=starts_at, ends_at=ends_at, reason=reason,
                  created_by_id=actor.id, created_at=now)
    db.session.add(leave)
    db.session.flush()
    audit(actor=actor, action="duty.leave", subject="leave", subject_id=leave.id, user_id=user_id,
          community_id=_community_of_member(actor, user_id), now=now)
    db.session.commit()
    return leave


def leaves_query(*, actor: User, user_id: int | None):
    query = select(Leave).where(_committee_member_clause(actor, Leave.user_id))
    return query.where(Leave.user_id == user_id) if user_id is not None else query


def cancel_leave(*, leave_id: int, actor: User, now: datetime) -> Leave:
    leave = db.session.scalar(leaves_query(actor=actor, user_id=None).where(Leave.id == leave_id))
    if leave is None:
        raise NotFound("请假记录不存在")
    if leave.cancelled_at is not None:
        raise Conflict("该请假已取消", code=40901)
    leave.cancelled_at = now
    audit(actor=actor, action="duty.leave_cancel", subject="leave", subject_id=leave.id,
          user_id=leave.user_id, community_id=_community_of_member(actor, leave.user_id), now=now)
    db.session.commit()
    return leave


def on_duty_now(*, section_id: int, actor: User, now: datetime):
    section = db.session.get(Section, section_id)
    if section is None or not accounts.is_committee_of(actor.id, section.grid.community_id):
        raise NotFound("片区不存在")
    return on_duty_for_section(section.id, now)
