"""What requests do when other domains report an event (``server.discovery.emit``)."""

from __future__ import annotations

from datetime import datetime

from server.extensions import db
from server.notifications.subscribe import TEMPLATE_VALUES
from server.requests import content
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


LISTENERS = {push_event("wxa_media_check"): _media_verdict, TEMPLATE_VALUES: _template_values}
