"""``notify`` is how every domain reaches a person; it never commits (the caller's use case does)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update

from server.errors import NotFound
from server.extensions import db
from server.notifications.models import Notification


def notify(*, user_ids: Iterable[int], kind: str, title: str, body: str, now: datetime,
           request_id: int | None = None, data: dict | None = None) -> list[Notification]:
    rows = [
        Notification(user_id=uid, kind=kind, title=title[:64], body=body[:500],
                     request_id=request_id, data=data, created_at=now)
        for uid in sorted(set(user_ids))
    ]
    db.session.add_all(rows)
    return rows


def mark_read(*, user_id: int, notification_id: int, now: datetime) -> None:
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user_id)
        .values(read_at=db.func.coalesce(Notification.read_at, now))
    )
    if result.rowcount != 1:
        raise NotFound("通知不存在")
    db.session.commit()
