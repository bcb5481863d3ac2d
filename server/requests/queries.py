"""Lists of requests for each audience; all keyset-paginated by id, newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select

from server.accounts import service as accounts
from server.accounts.models import User
from server.extensions import db, one_of
from server.grid.enums import Post
from server.grid.models import Community, Grid, Team, TeamMember
from server.place import cells
from server.requests import dispatch, summaries
from server.requests.enums import OPEN_STATUSES, Hop, Status
from server.requests.lights import Light, light_case
from server.requests.models import Request


def _bound(name: str):
    return bindparam(name, expanding=True)


# The hot lists' statements, built once (see ``summaries.keyset``); their values are bound.
_MINE = summaries.keyset(Request.resident_id == bindparam("user_id"))
_HELD_CLAUSE = and_(Request.handler_id == bindparam("user_id"),
                    one_of(Request.status, [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED]))
_HELD = summaries.keyset(_HELD_CLAUSE)


def _of_my_teams(column, *where):
    """``column`` of the teams the member (bound ``user_id``) serves in: a subquery, so that
    the inbox is one statement rather than the member's teams and then their requests."""
    return (select(column).join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == bindparam("user_id"), TeamMember.is_active.is_(True), *where))


_AVAILABLE_CLAUSE = and_(Request.status == Status.DISPATCHED, dispatch.helpable_clause(
    _of_my_teams(Team.id), _of_my_teams(Team.grid_id, Team.post == Post.A),
    _of_my_teams(Team.section_id, Team.post == Post.B)))
_AVAILABLE = summaries.keyset(_AVAILABLE_CLAUSE)
_DESK = summaries.keyset(and_(
    Request.community_id.in_(_bound("communities")),
    or_(
        one_of(Request.status, [Status.RESOLVED, Status.REFERRED]),
        and_(Request.status == Status.DISPATCHED, one_of(Request.hop, [Hop.COMMITTEE, Hop.STREET])),
        and_(one_of(Request.status, OPEN_STATUSES), Request.resolve_deadline < bindparam("now")),
        # Its point lies far outside the section the resident named: check before work.
        and_(Request.status == Status.DISPATCHED, Request.place_mismatch_m.is_not(None)),
    ),
))


def _page(clause, page: dict, now: datetime) -> dict:
    """A page of a list that is not hot enough to keep its statement (the lights' filters)."""
    return summaries.page(summaries.keyset(clause), {}, page, now)


def mine(user: User, page: dict, now: datetime) -> dict:
    return summaries.page(_MINE, {"user_id": user.id}, page, now)


def tasks(user: User, scope: str, page: dict, now: datetime) -> dict:
    """``available``: dispatched to one of my teams and not taken, or escalated past one of
    them (顶岗: still mine to help with); ``mine``: held by me. With ``near`` (a WGS-84 point
    and an optional radius), nearest first instead (see ``by_distance``)."""
    query, clause = (_HELD, _HELD_CLAUSE) if scope == "mine" else (_AVAILABLE, _AVAILABLE_CLAUSE)
    params = {"user_id": user.id}
    if page.get("near") is not None:
        return by_distance(clause, params, *page["near"], limit=page["limit"], now=now)
    return summaries.page(query, params, page, now)


MAX_BY_DISTANCE = 200


def by_distance(clause, params: dict, lat: float, lng: float, within_m: float | None, *, limit: int,
                now: datetime) -> dict:
    """A member on patrol: their tasks nearest first from where they stand, those without a
    point last, optionally only within ``within_m``; one page (a member's tasks are few, at
    most ``MAX_BY_DISTANCE`` are ranked). Staff see the exact point, so it is measured."""
    ranked, distances = [], {}
    rows = summaries.fetch(summaries.statement(clause).order_by(Request.id.desc())
                           .limit(MAX_BY_DISTANCE), params)
    for row in rows:
        metres = None if row.lat is None else cells.metres_between(lat, lng, row.lat, row.lng)
        if within_m is not None and (metres is None or metres > within_m):
            continue
        distances[row.id] = None if metres is None else round(metres)
        ranked.append(row)
    ranked.sort(key=lambda r: (distances[r.id] is None, distances[r.id] or 0, -r.id))
    return {"items": summaries.to_dicts(ranked[:limit], now, distances=distances),
            "next_cursor": None}


def review(user: User, now: datetime, page: dict, light: str | None = None) -> dict:
    """The committee's desk: awaiting review, escalated to it, whistled, overdue, or not yet
    taken with a point far outside its named section.

    With ``light``, every open request of the committee's communities showing that light.
    """
    communities = accounts.committee_communities(user)
    if light is not None:
        return _page(and_(Request.community_id.in_(communities), light_case(now) == light),
                     page, now)
    return summaries.page(_DESK, {"communities": communities, "now": now}, page, now)


def supervision(user: User, now: datetime, page: dict, light: str | None = None) -> dict:
    """The street's desk (督办): open work of its communities that the committee let escalate
    to the street, or that is overdue (red); the county's covers every community. With
    ``light``, every open request of those communities showing that light."""
    if accounts.is_county(user):
        communities = select(Community.id)
    else:
        communities = select(Community.id).where(Community.street_id.in_(accounts.street_ids_of(user)))
    if light is not None:
        clause = and_(Request.community_id.in_(communities), light_case(now) == light)
    else:
        clause = and_(
            Request.community_id.in_(communities),
            or_(and_(Request.status == Status.DISPATCHED, Request.hop == Hop.STREET),
                light_case(now) == "red"),
        )
    return _page(clause, page, now)


def light_counts(user: User, now: datetime) -> dict:
    """Open requests of the committee's communities by light, per team and per grid."""
    communities = accounts.committee_communities(user)
    light = light_case(now).label("light")
    base = (select(light, func.count(Request.id))
            .where(Request.community_id.in_(communities), Request.status.in_(OPEN_STATUSES)))
    zero = {lt.value: 0 for lt in Light}
    totals = dict(zero)
    for value, count in db.session.execute(base.group_by(light)):
        totals[value] = count

    def grouped(model, column):
        rows = db.session.execute(
            base.add_columns(model.id, model.name).join(model, model.id == column)
            .group_by(model.id, model.name, light).order_by(model.id)
        )
        found: dict = {}
        for value, count, key, name in rows:
            found.setdefault(key, {"id": key, "name": name, **zero})[value] = count
        return list(found.values())

    return {"totals": totals, "teams": grouped(Team, Request.team_id),
            "grids": grouped(Grid, Request.grid_id)}
