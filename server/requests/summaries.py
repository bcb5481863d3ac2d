"""Request summaries for the hot lists (a resident's requests, a member's tasks, the committee's
and the street's desks) straight from rows: one statement for the page, no ORM objects, no
marshmallow, encoded once by orjson.

``RequestSummaryOut`` (mini_program_api.schemas.requests) stays the documented shape and the
reference: ``tests/requests/test_summaries.py`` proves that these dicts equal its dump of the same
requests and validate against the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, select

from server import clock
from server.catalogue.models import Category
from server.extensions import db
from server.http import MAX_ID, decode_cursor, keyset_slice
from server.requests.enums import STATUS_LABELS, Status
from server.requests.lights import light_from, open_whistle_deadlines
from server.requests.models import Request

# What a summary shows, plus what it is computed from (yellow_at for the light, the point for a
# member's distance; the point itself is never shown).
COLUMNS = (
    Request.id, Request.no, Request.status, Request.description, Request.community_id,
    Request.grid_id, Request.section_id, Request.hop, Request.team_id, Request.handler_id,
    Request.public, Request.moderation, Request.submitted_at, Request.accept_deadline,
    Request.resolve_deadline, Request.updated_at, Request.yellow_at, Request.support_count,
    Request.duplicate_of_id, Request.place_mismatch_m, Request.lat, Request.lng,
    Category.code.label("category_code"), Category.name.label("category_name"),
)
_LABELS = {status.value: label for status, label in STATUS_LABELS.items()}


def statement(clause):
    """The summaries' select over ``Request`` (with its category) where ``clause`` holds."""
    return (select(*COLUMNS).select_from(Request)
            .join(Category, Category.id == Request.category_id).where(clause))


def keyset(clause):
    """A page statement built once, at import: ``clause``'s values are bound parameters, the
    page runs newest first from the bound id ``through`` down, ``size`` rows at most. Building
    a statement of this size and its cache key on every request cost more than running it."""
    return (statement(clause).where(Request.id <= bindparam("through"))
            .order_by(Request.id.desc()).limit(bindparam("size")))


def fetch(query, params: dict | None = None) -> list[Row]:
    return list(db.session.connection().execute(query, params))


def page(query, params: dict, args: dict, now: datetime) -> dict:
    """One keyset page (``cursor``, ``limit`` in ``args``) of a ``keyset`` statement."""
    after = decode_cursor(args.get("cursor"))
    limit = args["limit"]
    # Ids are 32-bit: the first page runs from the highest possible one.
    rows = fetch(query, {**params, "through": MAX_ID if after is None else after - 1,
                         "size": limit + 1})
    result = keyset_slice(rows, limit)
    return {**result, "items": to_dicts(result["items"], now)}


def to_dicts(rows: Sequence[Row], now: datetime, *,
             distances: dict[int, int | None] | None = None) -> list[dict]:
    """The summaries of ``rows`` as ``RequestSummaryOut`` dumps them. Rows are unpacked in
    ``COLUMNS``' order: reading 24 columns by name cost a third of this function."""
    zone = clock.local_zone()
    whistles = open_whistle_deadlines([row.id for row in rows if row.status == Status.REFERRED])
    distances = distances or {}

    def local(value: datetime | None) -> str | None:
        return clock.local_iso(value, zone)

    items = []
    for (id_, no, status, description, community_id, grid_id, section_id, hop, team_id,
         handler_id, public, moderation, submitted_at, accept_deadline, resolve_deadline,
         updated_at, turns_yellow, support_count, duplicate_of_id, place_mismatch_m, _lat, _lng,
         category_code, category_name) in rows:
        light = light_from(status, submitted_at, resolve_deadline, turns_yellow, now,
                           whistles.get(id_))
        items.append({
            "id": id_, "no": no, "status": status, "status_label": _LABELS[status],
            "category": {"code": category_code, "name": category_name},
            "description": description, "community_id": community_id,
            "grid_id": grid_id, "section_id": section_id, "hop": hop,
            "team_id": team_id, "handler_id": handler_id, "public": public,
            "moderation": moderation, "submitted_at": local(submitted_at),
            "accept_deadline": local(accept_deadline),
            "resolve_deadline": local(resolve_deadline),
            "updated_at": local(updated_at),
            "light": None if light is None else light.value,
            "supporters": support_count, "distance_m": distances.get(id_),
            "duplicate_of_id": duplicate_of_id, "place_mismatch_m": place_mismatch_m,
        })
    return items
