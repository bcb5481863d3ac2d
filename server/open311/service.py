"""Use cases of the Open311 face: a partner posts a request; contacts are anonymised in time.

A posted request enters the same pipeline as a resident's (``server.requests.service.submit``
with no resident): dispatch, deadlines, timeline and sunlight list; its channel names the
partner. The requester's contact fields go to ``Requester`` (personal data), never published.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.catalogue.models import Category
from server.errors import BadRequest, Code, Conflict, Invalid
from server.extensions import db
from server.grid.models import Community, Section
from server.open311 import queries
from server.open311.models import ApiKey, Requester, Submission
from server.place import service as place
from server.requests import service as requests
from server.requests.enums import OPEN_STATUSES
from server.requests.models import Request

# The attributes of every service definition, in order: (code, required, description).
SECTION_ATTRIBUTE = "section_id"
PUBLIC_ATTRIBUTE = "public"
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "device_id", "account_id")


def _single(attributes: dict[str, list[str]], code: str) -> str | None:
    values = attributes.get(code)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"attribute[{code}] 只能有一个值",
                         errors={f"attribute[{code}]": ["single value"]})
    return values[0]


def resolve_section(*, attributes: dict[str, list[str]], address_id: str | None,
                    address_string: str | None, community: Community | None,
                    lat: float | None = None, lng: float | None = None) -> Section:
    """The section a posted location falls in.

    In order: ``attribute[section_id]`` (a key of the service definition's list), then
    ``address_id`` (our addressing system is the sections: the same id), then ``lat``/``long``
    (the section whose boundary holds the point), then an ``address_string`` that names
    exactly one active section. Anything else is a 400.
    """
    for name, value in ((f"attribute[{SECTION_ATTRIBUTE}]", _single(attributes, SECTION_ATTRIBUTE)),
                        ("address_id", address_id)):
        if value is None:
            continue
        section = None
        if value.isascii() and value.isdigit() and len(value) <= 10:
            section = queries.active_section(int(value), community)
        if section is None:
            raise BadRequest("所选片区不存在或不在本辖区", errors={name: ["unknown section"]})
        return section
    if lat is not None and lng is not None:
        return _section_at(lat, lng, community)
    if address_string:
        found = [s for s in queries.active_sections(community) if s.name in address_string]
        if len(found) == 1:
            return found[0]
    raise BadRequest("无法根据所给位置确定片区，请提供 attribute[section_id]",
                     errors={"location": ["cannot be resolved to a section; send "
                                          "attribute[section_id] or address_id"]})


def _section_at(lat: float, lng: float, community: Community | None) -> Section:
    try:
        found = place.locate(place.Point.of(lat, lng))
    except Invalid as exc:
        nearest = (exc.errors or {}).get("nearest")
        detail = (f"; the nearest section is {nearest['section']['id']}, {nearest['distance_m']} m away"
                  if nearest else "")
        raise BadRequest("该位置不在任何片区内", errors={"lat": [f"outside every section{detail}"]}) from None
    section = queries.active_section(found.section_id, community)
    if section is None:
        raise BadRequest("该位置不在本辖区内", errors={"lat": ["outside this jurisdiction"]})
    return section


def _public(attributes: dict[str, list[str]]) -> bool:
    value = _single(attributes, PUBLIC_ATTRIBUTE)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadRequest("attribute[public] 只能为 true 或 false",
                         errors={f"attribute[{PUBLIC_ATTRIBUTE}]": ["true or false"]})
    return value == "true"


def _replay(key: ApiKey, idempotency_key: str, body_hash: str) -> Submission | None:
    """The submission a retry of the same post already made, or None."""
    earlier = db.session.scalar(select(Submission).where(
        Submission.api_key_id == key.id, Submission.idempotency_key == idempotency_key))
    if earlier is not None and earlier.body_hash != body_hash:
        raise Invalid("Idempotency-Key 已用于不同的内容", code=Code.IDEMPOTENCY_KEY_REUSED,
                         errors={"Idempotency-Key": ["reused with another body"]})
    return earlier


def _check_open_cap(key: ApiKey, now: datetime) -> None:
    """A key may have only so many requests open (``OPEN311_MAX_OPEN_REQUESTS``). Counted under
    the key's row lock (the conditional write below), so concurrent posts cannot pass it."""
    db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_posted_at=now)
                       .execution_options(synchronize_session=False))
    cap = current_app.config["OPEN311_MAX_OPEN_REQUESTS"]
    if not cap:
        return
    open_now = db.session.scalar(
        select(func.count()).select_from(Submission).join(Request, Request.id == Submission.request_id)
        .where(Submission.api_key_id == key.id, Request.status.in_(OPEN_STATUSES)))
    if open_now >= cap:
        db.session.rollback()
        raise Conflict(f"该接入方已有{open_now}件诉求正在办理，已达上限", code=Code.OPEN311_TOO_MANY_OPEN)


def post_request(*, key: ApiKey, fields: dict, attributes: dict[str, list[str]],
                 community: Community | None, now: datetime,
                 idempotency_key: str | None = None, body_hash: str | None = None) -> Submission:
    """Create a request from a partner's POST; commits once.

    With an ``idempotency_key`` a retry of the same post (same key, same body) returns the
    first submission and creates nothing; the same key with another body is refused.
    """
    if idempotency_key is not None:
        earlier = _replay(key, idempotency_key, body_hash)
        if earlier is not None:
            return earlier
    unknown = set(attributes) - {SECTION_ATTRIBUTE, PUBLIC_ATTRIBUTE}
    if unknown:
        raise BadRequest("未知的 attribute", errors={f"attribute[{c}]": ["unknown attribute"]
                                                   for c in sorted(unknown)})
    category = db.session.scalar(select(Category).where(
        Category.code == fields["service_code"], Category.is_active.is_(True)))
    if category is None:
        raise BadRequest("service_code 不存在", errors={"service_code": ["unknown service"]})
    has_location = (fields["lat"] is not None or fields["address_string"] or fields["address_id"]
                    or attributes.get(SECTION_ATTRIBUTE))
    if not has_location:
        raise BadRequest("缺少位置", errors={"location": [
            "send lat and long, address_string, address_id or attribute[section_id]"]})
    section = resolve_section(attributes=attributes, address_id=fields["address_id"],
                              address_string=fields["address_string"], community=community,
                              lat=fields["lat"], lng=fields["long"])
    _check_open_cap(key, now)
    request = requests.submit(
        resident=None, category_code=category.code,
        description=fields["description"] or category.name, section_id=section.id,
        address=fields["address_string"], lat=fields["lat"], lng=fields["long"],
        public=_public(attributes), now=now, channel=f"open311:{key.name}", commit=False,
    )
    submission = Submission(request_id=request.id, api_key_id=key.id,
                            token=secrets.token_urlsafe(24), media_url=fields["media_url"],
                            idempotency_key=idempotency_key, body_hash=body_hash, created_at=now)
    db.session.add(submission)
    contact = {name: fields[name] for name in CONTACT_FIELDS}
    if any(contact.values()):
        db.session.add(Requester(request_id=request.id, **contact))
    try:
        db.session.commit()
    except IntegrityError:  # the same retry won the race: answer with its submission
        db.session.rollback()
        earlier = _replay(key, idempotency_key, body_hash) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    return submission


def anonymise_requesters(now: datetime, *, days: int | None = None) -> int:
    """Clear the contact fields of requests finished more than the retention period ago
    (``OPEN311_CONTACT_RETENTION_DAYS`` unless the retention sweep passes its own)."""
    if days is None:
        days = current_app.config.get("OPEN311_CONTACT_RETENTION_DAYS", 180)
    finished = select(Request.id).where(Request.status.not_in(list(OPEN_STATUSES)),
                                        Request.closed_at < now - timedelta(days=days))
    result = db.session.execute(
        update(Requester)
        .where(Requester.anonymised_at.is_(None), Requester.request_id.in_(finished))
        .values(**{name: None for name in CONTACT_FIELDS}, anonymised_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
