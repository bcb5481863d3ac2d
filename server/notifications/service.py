"""``notify`` is how every domain reaches a person; it never commits (the caller's use case does).

Each notification is queued in the outbox (``Delivery``) for every enabled channel in the same
transaction; ``deliver_due`` (the delivery job) sends them with retries and backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from server.errors import NotFound
from server.extensions import db
from server.notifications import channels
from server.notifications.models import Delivery, Notification

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def notify(*, user_ids: Iterable[int], kind: str, title: str, body: str, now: datetime,
           request_id: int | None = None, data: dict | None = None) -> list[Notification]:
    names = channels.enabled_channels()
    rows = []
    for uid in sorted(set(user_ids)):
        row = Notification(user_id=uid, kind=kind, title=title[:64], body=body[:500],
                           request_id=request_id, data=data, created_at=now)
        row.deliveries = [Delivery(channel=name, status=PENDING, attempts=0, next_attempt_at=now)
                          for name in names]
        rows.append(row)
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


def _setting(name: str, default):
    return type(default)(current_app.config.get(name, default))


def backoff(attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base, … capped (``NOTIFY_BACKOFF_SECONDS``, ``…_MAX_…``)."""
    base = _setting("NOTIFY_BACKOFF_SECONDS", 30)
    cap = _setting("NOTIFY_BACKOFF_MAX_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def deliver_due(now: datetime, *, batch: int = 200) -> dict:
    """Send every pending delivery that is due; commit after each so one failure costs one row.

    On PostgreSQL rows are claimed with ``FOR UPDATE SKIP LOCKED``, so a stray second runner
    would not send a message twice.
    """
    max_attempts = _setting("NOTIFY_MAX_ATTEMPTS", 8)
    query = (select(Delivery.id)
             .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(batch))
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    for delivery_id in list(db.session.scalars(query)):
        claim = select(Delivery).where(Delivery.id == delivery_id, Delivery.status == PENDING)
        if db.engine.dialect.name == "postgresql":
            claim = claim.with_for_update(skip_locked=True, of=Delivery)
        delivery = db.session.scalar(claim)
        if delivery is None:
            db.session.rollback()
            continue
        deliver = channels.get_channel(delivery.channel)
        delivery.attempts += 1
        try:
            if deliver is None:
                raise LookupError(f"no channel named {delivery.channel!r}")
            deliver(delivery.notification, now)
        except Exception as exc:  # a channel's failure must not stop the others
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if delivery.attempts >= max_attempts:
                delivery.status = FAILED
                counts["failed"] += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                counts["retry"] += 1
            log.warning("delivery %s on %s failed (attempt %s): %s", delivery.id,
                        delivery.channel, delivery.attempts, type(exc).__name__)
        else:
            delivery.status = DELIVERED
            delivery.delivered_at = now
            delivery.last_error = None
            counts["delivered"] += 1
        db.session.commit()
    return counts
