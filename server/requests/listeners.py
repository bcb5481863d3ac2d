"""What requests do when other domains report an event (``server.discovery.emit``)."""

from __future__ import annotations

from datetime import datetime

from server.extensions import db
from server.grid.hooks import MEMBER_LEFT
from server.notifications.subscribe import TEMPLATE_VALUES
from server.requests import content, service
from server.requests.enums import STATUS_LABELS, Status
from server.requests.models import Request
from server.wechat.web import push_event


def _media_verdict(*, event: dict, now: datetime) -> None:
    content.record_media_verdict(event, now)


def _template_values(*, request_id: int, tz) -> dict:
    """The values of a subscribe message that come from the notification's request."""
    request = db.session.get(Request, request_id)
    if request is None:
        return {}
    return {"request_no": request.no, "category": request.category.name,
            "status": STATUS_LABELS[Status(request.status)], "description": request.description,
            "deadline": request.resolve_deadline.astimezone(tz)
            if request.resolve_deadline else None}


def _member_left(*, user_id: int, community_id: int, now: datetime) -> None:
    service.release_held(user_id=user_id, community_id=community_id, now=now)


LISTENERS = {push_event("wxa_media_check"): _media_verdict, TEMPLATE_VALUES: _template_values,
             MEMBER_LEFT: _member_left}
