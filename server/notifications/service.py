"""``notify`` is how every domain reaches a person (``notify_many`` many at once); neither
commits (the caller's use case does).

Each notification is queued in the outbox (``Delivery``) for every enabled channel in the same
transaction; ``deliver_due`` (the delivery job) sends them with retries and backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update

from server.errors import NotFound
from server.extensions import db
from server.notifications import channels
from server.notifications.models import Delivery, Notification

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class Message:
    """One message of ``notify_many``: the same text for each of ``user_ids``."""

    user_ids: Iterable[int]
    kind: str
    title: str
    body: str
    request_id: int | None = None
    data: dict | None = None


# Rows per INSERT statement of ``notify_many`` (SQLAlchemy's "insertmanyvalues" pages). On
# PostgreSQL the driver parses each statement's placeholders in Python, at a cost that grows
# faster than the rows: 10,000 notifications took about 1.1 s in pages of 1,000 rows and 0.6 s
# in pages of 100 to 200 (0.2 s more per 10,000 rows than an INSERT without RETURNING).
PAGE_ROWS = 200


def notify(*, user_ids: Iterable[int], kind: str, title: str, body: str, now: datetime,
           request_id: int | None = None, data: dict | None = None) -> list[Notification]:
    """Tell each of ``user_ids`` (duplicates once, in id order); the rows written."""
    return _write([Message(user_ids, kind, title, body, request_id, data)], now=now,
                  returning=Notification)


def notify_many(messages: Iterable[Message], *, now: datetime) -> list[int]:
    """Write every message's notifications in one INSERT and their outbox rows in another,
    whatever the number of messages; the ids of the notifications, in the order given (each
    message's recipients in id order).

    A sweep that tells hundreds of teams at once costs two statements, not two per message;
    ``notify`` is the one-message case of the same code, so both write the same rows. Only
    ids come back: an ORM object per row would cost a sweep about a third of its time.
    """
    return _write(messages, now=now, returning=Notification.id)


def _write(messages: Iterable[Message], *, now: datetime, returning) -> list:
    rows = [{"user_id": uid, "kind": message.kind, "title": message.title[:64],
             "body": message.body[:500], "request_id": message.request_id,
             "data": message.data, "created_at": now, "read_at": None}
            for message in messages for uid in sorted(set(message.user_ids))]
    if not rows:
        return []
    # Not ``sort_by_parameter_order``: SQLite cannot promise the order of RETURNING, so
    # SQLAlchemy would fall back to one INSERT per row there (88 statements to escalate 40
    # requests). Ids are given in the order of the rows within each statement on both
    # databases, so sorting by id gives the rows' order back.
    written = sorted(db.session.scalars(
        insert(Notification).returning(returning)
        .execution_options(insertmanyvalues_page_size=PAGE_ROWS), rows),
        key=lambda row: row if isinstance(row, int) else row.id)
    ids = [row if isinstance(row, int) else row.id for row in written]
    names = channels.enabled_channels()
    if names:
        db.session.execute(insert(Delivery), [
            {"notification_id": notification_id, "channel": name, "status": PENDING,
             "attempts": 0, "next_attempt_at": now, "last_error": None, "delivered_at": None}
            for notification_id in ids for name in names])
    return written


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
