"""The committee's moderation desk: content WeChat held for review, and releasing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from server.accounts import service as accounts
from server.accounts.models import User
from server.errors import Code, Conflict, Forbidden
from server.extensions import db
from server.http import keyset_page
from server.requests import content as security
from server.requests import reads, workflow
from server.requests.enums import Action, Relation
from server.requests.models import Photo, Request
from server.requests.service import get_visible


def clear_held(*, request_id: int, actor: User, now: datetime, note: str | None = None) -> Request:
    """The committee releases content WeChat flagged for review (text and photos)."""
    request, standing = get_visible(request_id, actor)
    if Relation.COMMITTEE not in standing:
        raise Forbidden("只有本社区两委可以审核内容")
    held_photos = [p for p in request.photos if p.moderation == security.REVIEW]
    if request.moderation != security.REVIEW and not held_photos:
        raise Conflict("该诉求没有待人工审核的内容", code=Code.NOTHING_HELD)
    cleared = security.clear_held(request=request, now=now)
    workflow.apply(request, Action.MODERATE, actor_id=actor.id, relation=Relation.COMMITTEE,
                   now=now, note=note, data={"cleared": cleared})
    reads.record_detail_read(request, viewer=actor, standing=standing, now=now)
    db.session.commit()
    return request


def held(user: User, page: dict) -> dict:
    """The committee's moderation desk: requests of its communities with content on hold."""
    communities = accounts.committee_communities(user)
    photo_held = select(Photo.request_id).where(Photo.moderation == security.REVIEW)
    query = select(Request).where(
        Request.community_id.in_(communities),
        or_(Request.moderation == security.REVIEW, Request.id.in_(photo_held)),
    )
    return keyset_page(query, Request.id, page)
