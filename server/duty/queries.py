"""Who is on duty: one query over teams, members, shifts and leave."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, not_, or_, select

from server.accounts.models import User
from server.duty.models import Leave, Shift
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Section, Team, TeamMember


def local_slot(now: datetime) -> tuple[int, int]:
    """(weekday, minute of the day) of ``now`` in the deployment's time zone."""
    local = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return local.weekday(), local.hour * 60 + local.minute


def on_duty_clause(now: datetime):
    """True for a ``TeamMember`` row (joined to its ``Team``) who is on duty at ``now``."""
    weekday, minute = local_slot(now)
    has_shift_now = exists().where(
        Shift.team_id == TeamMember.team_id, Shift.user_id == TeamMember.user_id,
        Shift.weekday == weekday, Shift.start_minute <= minute, Shift.end_minute > minute,
    )
    team_has_roster = exists().where(Shift.team_id == TeamMember.team_id)
    on_leave = exists().where(
        Leave.user_id == TeamMember.user_id, Leave.cancelled_at.is_(None),
        Leave.starts_at <= now, Leave.ends_at > now,
    )
    return and_(
        TeamMember.is_active.is_(True), Team.is_active.is_(True),
        or_(has_shift_now, not_(team_has_roster)), not_(on_leave),
    )


def on_duty_user_ids(team_id: int, now: datetime) -> list[int]:
    """Members of ``team_id`` on duty at ``now``."""
    return list(db.session.scalars(
        select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.team_id == team_id, on_duty_clause(now))
        .order_by(TeamMember.user_id)
    ))


def on_duty_for_section(section_id: int, now: datetime) -> list[tuple[Team, User]]:
    """Who is on duty for this section now: its grid's A post and its own B post, one query."""
    grid_id = select(Section.grid_id).where(Section.id == section_id).scalar_subquery()
    rows = db.session.execute(
        select(Team, User)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id)
        .where(
            or_(and_(Team.post == Post.A, Team.grid_id == grid_id),
                and_(Team.post == Post.B, Team.section_id == section_id)),
            User.is_active.is_(True), on_duty_clause(now),
        )
        .order_by(Team.post, User.id)
    )
    return [(team, user) for team, user in rows]
