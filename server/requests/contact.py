"""The resident's phone about one request: unmasked only for the handler of one of the
resident's open requests and the committee of that request's community; each unmasked read is
recorded in ``phone_reads``."""

from __future__ import annotations

from datetime import datetime

from server.accounts.models import User
from server.extensions import db
from server.privacy import mask_phone
from server.requests.enums import OPEN_STATUSES, Relation
from server.requests.models import PhoneRead
from server.requests.service import get_visible


def contact(*, request_id: int, viewer: User, now: datetime) -> dict:
    """The resident's phone for one request, unmasked only for its handler while it is open and
    for its committee; each unmasked read is recorded."""
    request, standing = get_visible(request_id, viewer)
    resident = db.session.get(User, request.resident_id) if request.resident_id else None
    phone = resident.phone if resident else None
    relation = None
    if Relation.COMMITTEE in standing:
        relation = Relation.COMMITTEE
    elif Relation.HANDLER in standing and request.status in OPEN_STATUSES:
        relation = Relation.HANDLER
    if phone is None or relation is None or resident.id == viewer.id:
        return {"phone": mask_phone(phone), "masked": True}
    db.session.add(PhoneRead(viewer_id=viewer.id, subject_id=resident.id, request_id=request.id,
                             relation=relation.value, created_at=now))
    db.session.commit()
    return {"phone": phone, "masked": False}
