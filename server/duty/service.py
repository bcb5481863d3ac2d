"""Use cases of duty: the roster (shifts, leave), who is on duty, and the departments a
request can be referred to. Duty knows no request: the sweeps over requests and the whistle's
rules live with requests (``server.requests.escalation``, ``server.requests.whistle``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select

from server.accounts import service as accounts
from server.accounts.models import User
from server.audit.service import audit
from server.duty.models import Department, Leave, Shift
from server.duty.queries import on_duty_for_section
from server.errors import Code, Conflict, Invalid, NotFound
from server.extensions import db
from server.grid.models import Section, Team, TeamMember

# --- departments (职能部门) ---------------------------------------------------------------------


def find_department(ref: str | int) -> Department:
    """A department by id (digits) or code; an unknown or inactive one is a 422."""
    text = str(ref).strip()
    by_id = text.isdigit() and len(text) < 10
    clause = Department.id == int(text) if by_id else Department.code == text
    department = db.session.scalar(select(Department).where(clause, Department.is_active.is_(True)))
    if department is None:
        raise Invalid("未知的职能部门", errors={"department": ["unknown department"]})
    return department


def departments() -> list[Department]:
    return list(db.session.scalars(
        select(Department).where(Department.is_active.is_(True)).order_by(Department.id)))


# --- the roster --------------------------------------------------------------------------------


def team_for_committee(team_id: int, actor: User) -> Team:
    """The team, when ``actor`` is on its community's committee; otherwise 404."""
    team = db.session.get(Team, team_id)
    if team is None or not accounts.is_committee_of(actor, team.community_id):
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
        Team.community_id.in_(accounts.committee_communities(actor)),
    )


def _community_of_member(actor: User, user_id: int) -> int | None:
    """The community (of the actor's committee) where ``user_id`` serves: for the audit trail."""
    return db.session.scalar(select(Team.community_id).where(
        TeamMember.user_id == user_id, TeamMember.team_id == Team.id,
        Team.community_id.in_(accounts.committee_communities(actor))).limit(1))


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
        raise Conflict("该请假已取消", code=Code.STATUS_FORBIDS)
    leave.cancelled_at = now
    audit(actor=actor, action="duty.leave_cancel", subject="leave", subject_id=leave.id,
          user_id=leave.user_id, community_id=_community_of_member(actor, leave.user_id), now=now)
    db.session.commit()
    return leave


def on_duty_now(*, section_id: int, actor: User, now: datetime):
    section = db.session.get(Section, section_id)
    if section is None or not accounts.is_committee_of(actor, section.grid.community_id):
        raise NotFound("片区不存在")
    return on_duty_for_section(section.id, now)
