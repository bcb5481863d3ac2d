"""Who is on duty: one query over teams, members, shifts and leave."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, column, exists, func, not_, or_, select, values
from sqlalchemy.dialects import postgresql as pg

from server.accounts.models import User
from server.duty.models import Leave, Shift
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Section, Team, TeamMember
from server.types import UTCDateTime


def local_slot(now: datetime) -> tuple[int, int]:
    """(weekday, minute of the day) of ``now`` in the deployment's time zone."""
    local = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return local.weekday(), local.hour * 60 + local.minute


def on_duty_clause(now: datetime):
    """True for a ``TeamMember`` row (joined to its ``Team``) who is on duty at ``now``."""
    weekday, minute = local_slot(now)
    return _on_duty(weekday=weekday, minute=minute, at=now)


def _on_duty(*, weekday, minute, at):
    """The rule of ``on_duty_clause``, with the moment given as values or as SQL columns (its
    local weekday and minute of the day, and the instant for leave): active in an active
    team, on a shift then (or the team keeps no roster at all), not on leave."""
    has_shift_now = exists().where(
        Shift.team_id == TeamMember.team_id, Shift.user_id == TeamMember.user_id,
        Shift.weekday == weekday, Shift.start_minute <= minute, Shift.end_minute > minute,
    )
    team_has_roster = exists().where(Shift.team_id == TeamMember.team_id)
    on_leave = exists().where(
        Leave.user_id == TeamMember.user_id, Leave.cancelled_at.is_(None),
        Leave.starts_at <= at, Leave.ends_at > at,
    )
    return and_(
        TeamMember.is_active.is_(True), Team.is_active.is_(True),
        or_(has_shift_now, not_(team_has_roster)), not_(on_leave),
    )


def on_duty_user_ids(team_id: int, now: datetime) -> list[int]:
    """Members of ``team_id`` on duty at ``now``."""
    weekday, minute = local_slot(now)
    return list(db.session.scalars(_ON_DUTY_IN_TEAM, {
        "team_id": team_id, "weekday": weekday, "minute": minute, "at": now}))


# Built once (every submit and accept asks it): building the rule's subqueries and their cache
# key per call cost more than the database took to answer.
_ON_DUTY_IN_TEAM = (
    select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id)
    .where(TeamMember.team_id == bindparam("team_id"),
           _on_duty(weekday=bindparam("weekday", type_=Integer()),
                    minute=bindparam("minute", type_=Integer()),
                    at=bindparam("at", type_=UTCDateTime())))
    .order_by(TeamMember.user_id)
)


# (team, moment) pairs per query: five bound values each on SQLite, well within its 32,766.
PAIRS_PER_QUERY = 2000


def on_duty_members(pairs: Iterable[tuple[int, datetime]]) -> dict[tuple[int, datetime], list[int]]:
    """``on_duty_user_ids`` for many (team, moment) pairs at once: every pair asked maps to the
    ids of the team's members on duty at that moment (ascending; empty when nobody is).

    A sweep asks this for hundreds of requests, each at the moment its hop's deadline passed:
    one query (per ``PAIRS_PER_QUERY``) instead of one per pair. The pairs are rows carrying
    each moment's local weekday and minute (``local_slot``, as for one moment) and the instant,
    and the rule is ``on_duty_clause``'s own, given those columns. A UNION ALL of one SELECT per
    moment said the same, but building and compiling a few hundred of them took SQLAlchemy
    longer than the database took to answer.
    """
    asked = sorted(set(pairs), key=lambda pair: (pair[1], pair[0]))
    found: dict[tuple[int, datetime], list[int]] = {pair: [] for pair in asked}
    postgres = db.engine.dialect.name == "postgresql"
    for start in range(0, len(asked), PAIRS_PER_QUERY):
        part = asked[start:start + PAIRS_PER_QUERY]
        slots = [local_slot(at) for _team_id, at in part]
        if postgres:  # one statement, built once: the pairs travel as four arrays
            rows = db.session.execute(_ON_DUTY_ARRAYS, {
                "teams": [team_id for team_id, _at in part],
                "weekdays": [weekday for weekday, _minute in slots],
                "minutes": [minute for _weekday, minute in slots],
                "ats": [at for _team_id, at in part]})
        else:  # SQLite has no arrays: the pairs as a VALUES list
            moments = values(column("n", Integer()), column("team_id", Integer()),
                             column("weekday", Integer()), column("minute", Integer()),
                             column("at", UTCDateTime()), name="moments").data([
                (n, team_id, *slot, at)
                for n, ((team_id, at), slot) in enumerate(zip(part, slots, strict=True), 1)
            ]).cte("moments")
            rows = db.session.execute(_members_at(moments))
        for n, user_id in rows:
            found[part[n - 1]].append(user_id)
    for user_ids in found.values():
        user_ids.sort()
    return found


def _members_at(moments):
    """(n, member on duty) for each numbered (team, weekday, minute, instant) row of ``moments``."""
    return (
        select(moments.c.n, TeamMember.user_id).select_from(moments)
        .join(TeamMember, TeamMember.team_id == moments.c.team_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(_on_duty(weekday=moments.c.weekday, minute=moments.c.minute, at=moments.c.at))
    )


_ON_DUTY_ARRAYS = _members_at(func.unnest(
    bindparam("teams", type_=pg.ARRAY(Integer())), bindparam("weekdays", type_=pg.ARRAY(Integer())),
    bindparam("minutes", type_=pg.ARRAY(Integer())), bindparam("ats", type_=pg.ARRAY(UTCDateTime())),
).table_valued(column("team_id", Integer()), column("weekday", Integer()),
               column("minute", Integer()), column("at", UTCDateTime()), with_ordinality="n")
    .render_derived(name="moments"))


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
