"""The in-app inbox."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user
from sqlalchemy import select

from mini_program_api.schemas.common import LocalDateTime
from mini_program_api.schemas.requests import EmptyIn
from server import clock
from server.http import Blueprint, PageArgs, bounded_id, keyset_page, login_required, page_schema
from server.notifications import service
from server.notifications.models import Notification

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="通知 Notifications")


class NotificationOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    request_id = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    read_at = LocalDateTime(allow_none=True)


@blp.get("/notifications")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(NotificationOut))
@blp.errors(422)
def inbox(page):
    """The caller's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == current_user.id)
    return keyset_page(query, Notification.id, page)


@blp.post("/notifications/<int:notification_id>/read")
@login_required(blp)
@blp.arguments(EmptyIn, required=False)
@blp.response(200)
@blp.errors(404)
def mark_read(_body, notification_id: int):
    """Mark one of the caller's notifications as read."""
    service.mark_read(user_id=current_user.id, notification_id=bounded_id(notification_id),
                      now=clock.now())
    return None
