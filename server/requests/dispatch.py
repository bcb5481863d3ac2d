"""Where a request goes: its hops along the category's ``dispatch_order`` and who may take it.

Each hop (A post, B post, committee) gets ``Category.accept_minutes`` from the moment it
arrives. A team with nobody on duty at that moment is skipped (the next hop gets the request
at once). The committee is the last hop of the dispatch order: it has
``Category.committee_minutes`` to act (assign, whistle, reject), none when that is unset; past
them the work escalates to the street (督办), which has no deadline: it instructs the committee
(the committee's time starts again) or blows the whistle itself.
After a request moves on, the teams of the hops it passed may still accept it (顶岗 is help,
not a lock-out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, literal, or_, select

from server.catalogue.models import Category
from server.duty import queries as duty
from server.extensions import db, one_of
from server.grid.enums import Post
from server.grid.models import Section, Team, TeamMember
from server.requests.enums import Hop
from server.requests.lights import DEFAULT_YELLOW_SHARE, yellow_at
from server.requests.models import Request


def hops_of(category: Category) -> list[Hop]:
    hops = [Hop(h.strip()) for h in category.dispatch_order.split(",") if h.strip()]
    return hops if Hop.COMMITTEE in hops else [*hops, Hop.COMMITTEE]


def _serving(hop: Hop, place_ids):
    """SQL: the active team of ``hop`` for one of ``place_ids``: the A post of a grid, the B post
    of a section (at most one each: both columns are unique)."""
    column = Team.grid_id if hop == Hop.A else Team.section_id
    return (Team.post == Post(hop.value)) & column.in_(place_ids) & Team.is_active.is_(True)


def place_of(hop: Hop, *, grid_id: int, section_id: int) -> int:
    """The place whose team serves ``hop`` (A or B): the section's grid, or the section."""
    return grid_id if hop == Hop.A else section_id


def hop_target(hop: Hop, *, section: Section) -> Team | None:
    """The team that serves ``hop`` for ``section``; None for the committee or no team."""
    if hop not in (Hop.A, Hop.B):
        return None
    place = place_of(hop, grid_id=section.grid_id, section_id=section.id)
    return db.session.scalar(select(Team).where(_serving(hop, [place])))


def hop_targets(*, grid_ids, section_ids) -> dict[tuple[Hop, int], Team]:
    """``hop_target`` for many places in one query, keyed ``(hop, place_of(hop, ...))``: the A
    posts of ``grid_ids`` and the B posts of ``section_ids``; places without one are absent."""
    teams = db.session.scalars(select(Team).where(
        or_(_serving(Hop.A, sorted(set(grid_ids))), _serving(Hop.B, sorted(set(section_ids))))))
    return {(hop, place_of(hop, grid_id=team.grid_id, section_id=team.section_id)): team
            for team in teams for hop in [Hop(team.post)]}


@dataclass(frozen=True)
class Stop:
    hop: Hop
    team: Team | None
    arrived_at: datetime
    accept_deadline: datetime | None
    skipped: tuple[Hop, ...] = ()  # hops passed over because nobody was on duty

    def columns(self) -> dict:
        return {"hop": self.hop.value, "team_id": self.team.id if self.team else None,
                "accept_deadline": self.accept_deadline}


def committee_stop(*, category: Category, at: datetime, skipped: tuple[Hop, ...] = ()) -> Stop:
    """The committee's hop, with its deadline to act when the category sets one."""
    minutes = category.committee_minutes
    return Stop(Hop.COMMITTEE, None, at, at + timedelta(minutes=minutes) if minutes else None,
                skipped)


def hops_after(category: Category, after: Hop | None) -> list[Hop]:
    """The hops of the dispatch order still ahead of a request at ``after`` (None: not yet
    dispatched), up to the committee; none once at the committee or the street."""
    if after in (Hop.COMMITTEE, Hop.STREET):
        return []
    hops = hops_of(category)
    return hops[hops.index(after) + 1:] if after in hops else hops


def choose_stop(*, category: Category, after: Hop | None, at: datetime,
                team_of: Callable[[Hop], Team | None],
                staffed: Callable[[Team], bool]) -> Stop | None:
    """The decision of ``next_stop``, without the database: ``team_of(hop)`` is the hop's
    active team (or None), ``staffed(team)`` whether someone of it is on duty at ``at``.

    ``next_stop`` asks them one query at a time; the escalation sweep answers them from what
    it loaded for a whole batch. Both take the same path through the hops this way.
    """
    if after in (Hop.COMMITTEE, Hop.STREET):
        return Stop(Hop.STREET, None, at, None)
    skipped: list[Hop] = []
    for hop in hops_after(category, after):
        if hop == Hop.COMMITTEE:
            return committee_stop(category=category, at=at, skipped=tuple(skipped))
        team = team_of(hop)
        if team is not None and staffed(team):
            return Stop(hop, team, at, at + timedelta(minutes=category.accept_minutes),
                        tuple(skipped))
        skipped.append(hop)
    return None


def next_stop(*, category: Category, section: Section, after: Hop | None,
              at: datetime) -> Stop | None:
    """The first hop after ``after`` (None: from the start) with a team on duty at ``at``;
    after the committee, the street."""
    return choose_stop(category=category, after=after, at=at,
                       team_of=lambda hop: hop_target(hop, section=section),
                       staffed=lambda team: bool(duty.on_duty_user_ids(team.id, at)))


def yellow_share() -> float:
    return float(current_app.config.get("LIGHT_YELLOW_SHARE", DEFAULT_YELLOW_SHARE))


def resolve_deadlines(*, category: Category, start: datetime) -> dict:
    """The resolve deadline (限时办结) and the moment its light turns yellow."""
    deadline = start + timedelta(hours=category.resolve_hours)
    return {"resolve_deadline": deadline,
            "yellow_at": yellow_at(submitted_at=start, resolve_deadline=deadline,
                                   yellow_share=yellow_share())}


def first_hop(*, category: Category, section: Section, now: datetime) -> dict:
    """Columns for a new request: its first hop with someone on duty, its team and deadlines."""
    stop = next_stop(category=category, section=section, after=None, at=now)
    return {**stop.columns(), **resolve_deadlines(category=category, start=now)}


def reopen_stop(*, request: Request, section: Section, now: datetime,
                to_committee: bool) -> Stop:
    """Where a reopened request with no handler goes: back to the team that last held it (the
    committee if the committee did), onward when nobody there is on duty, afresh when that
    team was retired; straight to the committee when it was reopened too often."""
    category = request.category
    if to_committee or request.team_id is None:
        return committee_stop(category=category, at=now)
    team = db.session.get(Team, request.team_id)
    if not team.is_active:
        return next_stop(category=category, section=section, after=None, at=now)
    hop = Hop(team.post)
    if duty.on_duty_user_ids(team.id, now):
        return Stop(hop, team, now, now + timedelta(minutes=category.accept_minutes))
    return next_stop(category=category, section=section, after=hop, at=now)


def passed_hops(request: Request) -> list[Hop]:
    """The hops before the request's current one, in order."""
    hops = hops_of(request.category)
    current = Hop(request.hop) if request.hop else None
    if current == Hop.STREET:  # past the committee: every hop of the order
        return hops
    return hops[: hops.index(current)] if current in hops else []


def eligible_team_ids(request: Request) -> set[int]:
    """Teams whose members may accept ``request``: its current team and those it passed."""
    found = {request.team_id} if request.team_id is not None else set()
    passed = passed_hops(request)
    if passed:
        section = db.session.get(Section, request.section_id)
        for hop in passed:
            team = hop_target(hop, section=section)
            if team is not None:
                found.add(team.id)
    return found


def _passed_clause(post: Post):
    """SQL: the request's current hop comes after ``post`` in its category's order."""
    order = literal(",") + Category.dispatch_order + literal(",")
    other = Hop.B.value if post == Post.A else Hop.A.value
    return or_(
        and_(one_of(Request.hop, [Hop.COMMITTEE.value, Hop.STREET.value]),
             order.like(f"%,{post.value},%")),
        and_(Request.hop == other, Category.dispatch_order.like(f"{post.value},%")),
    )


def helpable_clause(team_ids, grid_ids, section_ids):
    """SQL over ``Request`` joined to ``Category``: dispatched to one of the teams, or passed
    one of them on its way (顶岗). The teams are given by their ids, the grids of their A posts
    and the sections of their B posts (lists or subqueries)."""
    return or_(
        Request.team_id.in_(team_ids),
        and_(Request.grid_id.in_(grid_ids), _passed_clause(Post.A)),
        and_(Request.section_id.in_(section_ids), _passed_clause(Post.B)),
    )


def patrol_stop(*, reporter_id: int, category: Category, section: Section, now: datetime) -> dict:
    """Columns for a patrol report (巡查上报): the reporter's own team in the place's community
    (the team serving the place first: A post of its grid, B post of its section), with the
    category's accept and resolve deadlines. Raises ``LookupError`` when the reporter serves in
    no team of that community."""
    community_id = section.grid.community_id
    teams = [t for t in db.session.scalars(
        select(Team).join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == reporter_id, TeamMember.is_active.is_(True),
               Team.is_active.is_(True), Team.community_id == community_id)
        .order_by(Team.post, Team.id))]
    if not teams:
        raise LookupError("the reporter serves in no team of this community")
    serving = [t for t in teams if (t.post == Post.A and t.grid_id == section.grid_id)
               or (t.post == Post.B and t.section_id == section.id)]
    team = (serving or teams)[0]
    return {"hop": Hop(team.post).value, "team_id": team.id,
            "accept_deadline": now + timedelta(minutes=category.accept_minutes),
            **resolve_deadlines(category=category, start=now)}
