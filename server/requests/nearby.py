"""Nearby requests, found through the cell index of server.place.cells and described with
public fields only."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import lazyload

from server.catalogue.models import Category
from server.errors import Invalid
from server.extensions import db
from server.grid.models import Grid, Section
from server.place import cells
from server.privacy import redact, text_is_public
from server.requests.enums import OPEN_STATUSES, STATUS_LABELS, Status
from server.requests.models import Request, Support, from_residents

MAX_NEARBY = 50


def radius_of(radius_m: float | None) -> float:
    """The radius asked for, or the default; more than ``NEARBY_MAX_M`` is a 422."""
    if radius_m is None:
        return float(current_app.config["NEARBY_DEFAULT_M"])
    cap = current_app.config["NEARBY_MAX_M"]
    if not 0 < radius_m <= cap:
        raise Invalid(f"半径须在 1 到 {cap} 米之间", errors={"radius": [f"from 1 to {cap} metres"]})
    return float(radius_m)


def near_clause(lat: float, lng: float, radius_m: float):
    """Requests whose cell centre lies within ``radius_m`` of the point: a few index ranges."""
    return or_(*[Request.cell.between(low, high) for low, high in cells.ranges_within(lat, lng, radius_m)])


def nearby(*, lat: float, lng: float, radius_m: float, category_code: str | None,
           user_id: int | None, limit: int = MAX_NEARBY) -> list[dict]:
    """Open requests near a WGS-84 point, nearest first: public fields, a distance measured
    from the centre of the request's cell (never from its exact point), its supporters."""
    query = (select(Request).options(lazyload(Request.events), lazyload(Request.photos),
                                     lazyload(Request.ratings))
             .where(near_clause(lat, lng, radius_m), Request.status.in_(list(OPEN_STATUSES)),
                    from_residents()))
    if category_code is not None:
        query = query.join(Category, Category.id == Request.category_id).where(
            Category.code == category_code)
    found = []
    for request in db.session.scalars(query.limit(1000)):
        centre = cells.centre_of(request.cell)
        found.append((cells.metres_between(lat, lng, *centre), request))
    found.sort(key=lambda pair: (pair[0], -pair[1].id))
    found = found[:limit]
    ids = [r.id for _, r in found]
    supported = set(db.session.scalars(select(Support.request_id).where(
        Support.user_id == user_id, Support.request_id.in_(ids)))) if user_id and ids else set()
    places = {s.id: (s.name, g.name) for s, g in db.session.execute(
        select(Section, Grid).join(Grid).where(Section.id.in_({r.section_id for _, r in found})))}
    return [_public(r, metres, places, supported, user_id) for metres, r in found]


def _public(request: Request, metres: float, places: dict, supported: set, user_id: int | None) -> dict:
    section, grid = places.get(request.section_id, (None, None))
    return {
        "id": request.id,
        "no": request.no,
        "category": {"code": request.category.code, "name": request.category.name},
        "status": request.status,
        "status_label": STATUS_LABELS[Status(request.status)],
        "grid": grid,
        "section": section,
        "description": redact(request.description) if text_is_public(request) else None,
        "submitted_at": request.submitted_at,
        "distance_m": int(round(metres, -1)),
        "supporters": request.support_count,
        "supported": request.id in supported,
        "own": user_id is not None and request.resident_id == user_id,
    }


