"""Lists of requests for each audience; all keyset-paginated by id, newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload

from server.accounts import service as accounts
from server.accounts.models import User
from server.catalogue.models import Category
from server.extensions import db
from server.grid import queries as grid
from server.grid.models import Community, Grid, Team
from server.http import keyset_page
from server.place import cells
from server.requests import dispatch
from server.requests.enums import OPEN_STATUSES, Hop, Status
from server.requests.lights import Light, light_case
from server.requests.models import Request

# A summary needs neither the timeline, the photos nor the ratings: loading them for a page
# of fifty would read every event of fifty requests to throw them away.
SUMMARY = (lazyload(Request.events), lazyload(Request.photos), lazyload(Request.ratings))


def _summaries(clause):
    return select(Request).where(clause).options(*SUMMARY)


def mine(user: User, page: dict) -> dict:
    return keyset_page(_summaries(Request.resident_id == user.id), Request.id, page)


def tasks(user: User, scope: str, page: dict) -> dict:
    """``available``: dispatched to one of my teams and not taken, or escalated past one of
    them (顶岗: still mine to help with); ``mine``: held by me. With ``near`` (a WGS-84 point
    and an optional radius), nearest first instead (see ``by_distance``)."""
    if scope == "mine":
        clause = and_(
            Request.handler_id == user.id,
            Request.status.in_([Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED]),
        )
        query = _summaries(clause)
    else:
        clause = and_(Request.status == Status.DISPATCHED,
                      dispatch.helpable_clause(grid.teams_of(user.id)))
        query = _summaries(clause).join(Category, Category.id == Request.category_id)
    if page.get("near") is not None:
        return by_distance(query, *page["near"], limit=page["limit"])
    return keyset_page(query, Request.id, page)


MAX_BY_DISTANCE = 200


def by_distance(query, lat: float, lng: float, within_m: float | None, *, limit: int) -> dict:
    """A member on patrol: their tasks nearest first from where they stand, those without a
    point last, optionally only within ``within_m``; one page (a member's tasks are few, at
    most ``MAX_BY_DISTANCE`` are ranked). Staff see the exact point, so it is measured."""
    ranked = []
    for request in db.session.scalars(query.order_by(Request.id.desc()).limit(MAX_BY_DISTANCE)):
        metres = None if request.lat is None else cells.metres_between(lat, lng, request.lat, request.lng)
        if within_m is not None and (metres is None or metres > within_m):
            continue
        request.distance_m = None if metres is None else round(metres)
        ranked.append(request)
    ranked.sort(key=lambda r: (r.distance_m is None, r.distance_m or 0, -r.id))
    return {"items": ranked[:limit], "next_cursor": None}


def review(user: User, now: datetime, page: dict, light: str | None = None) -> dict:
    """The committee's desk: awaiting review, escalated to it, whistled, overdue, or not yet
    taken with a point far outside its named section.

    With ``light``, every open request of the committee's communities showing that light.
    """
    communities = accounts.committee_communities(user.id)
    if light is not None:
        clause = and_(Request.community_id.in_(communities), light_case(now) == light)
        return keyset_page(_summaries(clause), Request.id, page)
    clause = and_(
        Request.community_id.in_(communities),
        or_(
            Request.status.in_([Status.RESOLVED, Status.REFERRED]),
            and_(Request.status == Status.DISPATCHED, Request.hop.in_([Hop.COMMITTEE, Hop.STREET])),
            and_(Request.status.in_(OPEN_STATUSES), Request.resolve_deadline < now),
            # Its point lies far outside the section the resident named: check before work.
            and_(Request.status == Status.DISPATCHED, Request.place_mismatch_m.is_not(None)),
        ),
    )
    return keyset_page(_summaries(clause), Request.id, page)


def supervision(user: User, now: datetime, page: dict, light: str | None = None) -> dict:
    """The street's desk (督办): open work of its communities that the committee let escalate
    to the street, or that is overdue (red); the county's covers every community. With
    ``light``, every open request of those communities showing that light."""
    if accounts.is_county(user.id):
        communities = select(Community.id)
    else:
        communities = select(Community.id).where(Community.street_id.in_(accounts.street_ids_of(user.id)))
    if light is not None:
        clause = and_(Request.community_id.in_(communities), light_case(now) == light)
    else:
        clause = and_(
            Request.community_id.in_(communities),
            or_(and_(Request.status == Status.DISPATCHED, Request.hop == Hop.STREET),
                light_case(now) == "red"),
        )
    return keyset_page(_summaries(clause), Request.id, page)


def light_counts(user: User, now: datetime) -> dict:
    """Open requests of the committee's communities by light, per team and per grid."""
    communities = accounts.committee_communities(user.id)
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
