"""Staff reads of a resident's personal data about a request: the exact address, point and photos
(``DetailRead``) and the unmasked phone (``PhoneRead``, ``server.requests.contact``). The
committee lists both for its community."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.accounts.models import User
from server.extensions import db
from server.http import keyset_page
from server.requests.enums import Relation
from server.requests.models import DetailRead, PhoneRead, Request

# The standing a staff read is recorded in, strongest first.
_STAFF = (Relation.COMMITTEE, Relation.HANDLER, Relation.TEAM)


def has_details(request: Request) -> bool:
    return bool(request.address or request.lat is not None or request.photos)


def record_detail_read(request: Request, *, viewer: User, standing: set[Relation],
                       now: datetime) -> bool:
    """Record that ``viewer`` is shown the request's exact place or photos, in the caller's
    transaction; the owner's own reads and requests without such details are not recorded.
    True when a record was written (the caller commits it)."""
    if Relation.OWNER in standing or not has_details(request):
        return False
    relation = next((r for r in _STAFF if r in standing), None)
    if relation is None:
        return False
    day = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DetailRead).values(viewer_id=viewer.id, request_id=request.id,
                                  community_id=request.community_id, relation=relation.value,
                                  day=day, created_at=now)
        .on_conflict_do_nothing(index_elements=["viewer_id", "request_id", "day"]))
    return True


KINDS = ("detail", "phone")


def community_reads(*, community_id: int, kind: str, request_id: int | None,
                    page: dict) -> dict:
    """Reads of personal data about the community's requests, newest first (the caller checks
    that the actor is its committee)."""
    model = DetailRead if kind == "detail" else PhoneRead
    query = (select(model).join(Request, Request.id == model.request_id)
             .where(Request.community_id == community_id))
    if request_id is not None:
        query = query.where(model.request_id == request_id)
    result = keyset_page(query, model.id, page)
    rows = result["items"]
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({r.viewer_id for r in rows})))}
    numbers = dict(db.session.execute(select(Request.id, Request.no).where(
        Request.id.in_({r.request_id for r in rows}))).all())
    result["items"] = [
        {"id": r.id, "kind": kind, "request_id": r.request_id,
         "request_no": numbers.get(r.request_id), "relation": r.relation,
         "viewer": {"user_id": r.viewer_id, "nickname": users[r.viewer_id].nickname,
                    "name": users[r.viewer_id].name},
         "created_at": r.created_at}
        for r in rows
    ]
    return result
