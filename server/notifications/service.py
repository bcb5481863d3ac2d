"""``notify`` is how every domain reaches a person (``notify_many`` many at once); neither
commits (the caller's use case does).

Each notification is queued in the outbox (``Delivery``) for every enabled channel that sends
something (not the in-app inbox: the row is its message) in the same transaction;
``deliver_due`` (the delivery job) sends them with retries and backoff.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ARRAY, Integer, String, bindparam, func, insert, literal, select, text, update

from server.errors import NotFound
from server.extensions import db
from server.notifications import channels
from server.notifications.models import Delivery, Notification
from server.types import UTCDateTime

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


# Rows per INSERT statement of ``notify_many`` on SQLite (SQLAlchemy's "insertmanyvalues"
# pages; PostgreSQL takes every row in one statement of arrays, below).
PAGE_ROWS = 200


def notify(*, user_ids: Iterable[int], kind: str, title: str, body: str, now: datetime,
           request_id: int | None = None, data: dict | None = None) -> list[int]:
    """Tell each of ``user_ids`` (duplicates once, in id order); the ids of the rows written."""
    return notify_many([Message(user_ids, kind, title, body, request_id, data)], now=now)


def notify_many(messages: Iterable[Message], *, now: datetime) -> list[int]:
    """Write every message's notifications in one INSERT (pages of ``PAGE_ROWS`` on SQLite) and
    their outbox rows in one more per queued channel, whatever the number of messages; the ids
    of the notifications, in the order given (each message's recipients in id order).

    A sweep that tells hundreds of teams at once costs a few statements, not two per message;
    ``notify`` is the one-message case of the same code, so both write the same rows. Only
    ids come back: an ORM object per row would cost a sweep about a third of its time.
    """
    rows = [{"user_id": uid, "kind": message.kind, "title": message.title[:64],
             "body": message.body[:500], "request_id": message.request_id,
             "data": message.data}
            for message in messages for uid in sorted(set(message.user_ids))]
    if not rows:
        return []
    ids = (_insert_arrays if db.engine.dialect.name == "postgresql" else _insert_rows)(rows, now)
    # The outbox rows are made from the notifications in the database: nothing crosses the
    # wire but the ids, once.
    written = (Notification.id == func.any(bindparam("ids", ids, type_=ARRAY(Integer)))
               if db.engine.dialect.name == "postgresql" else Notification.id.in_(ids))
    for name in channels.queued_channels():
        db.session.execute(insert(Delivery).from_select(
            ["notification_id", "channel", "status", "attempts", "next_attempt_at"],
            select(Notification.id, literal(name, String), literal(PENDING, String),
                   literal(0, Integer), literal(now, UTCDateTime())).where(written)))
    return ids


def _insert_rows(rows: list[dict], now: datetime) -> list[int]:
    # Not ``sort_by_parameter_order``: SQLite cannot promise the order of RETURNING, so
    # SQLAlchemy would fall back to one INSERT per row (88 statements to escalate 40
    # requests). Ids are given in the order of the rows within each statement, so sorting by
    # id gives the rows' order back.
    return sorted(db.session.scalars(
        insert(Notification).returning(Notification.id)
        .execution_options(insertmanyvalues_page_size=PAGE_ROWS),
        [{**row, "created_at": now, "read_at": None} for row in rows]))


# PostgreSQL: one column array per field, unnested in the rows' order; ids are drawn in that
# order, so sorting them gives the rows' order back. Parsing the placeholders of a many-row
# VALUES statement cost psycopg more than the database spent writing the rows (10,000
# notifications: about 0.55 s as pages of VALUES, about 0.25 s as arrays).
_ARRAYS = text("""
    INSERT INTO notifications (user_id, kind, title, body, request_id, data, created_at)
    SELECT r.user_id, r.kind, r.title, r.body, r.request_id, CAST(r.data AS json), :now
    FROM unnest(CAST(:user_ids AS integer[]), CAST(:kinds AS varchar[]),
                CAST(:titles AS varchar[]), CAST(:bodies AS varchar[]),
                CAST(:request_ids AS integer[]), CAST(:data AS text[]))
         WITH ORDINALITY AS r(user_id, kind, title, body, request_id, data, ord)
    ORDER BY r.ord
    RETURNING id
""").bindparams(bindparam("now", type_=UTCDateTime()))


def _insert_arrays(rows: list[dict], now: datetime) -> list[int]:
    return sorted(db.session.scalars(_ARRAYS, {
        "now": now, "user_ids": [row["user_id"] for row in rows],
        "kinds": [row["kind"] for row in rows], "titles": [row["title"] for row in rows],
        "bodies": [row["body"] for row in rows],
        "request_ids": [row["request_id"] for row in rows],
        # What the ORM would store for the JSON column: JSON text, ``null`` for no data.
        "data": [json.dumps(row["data"]) for row in rows]}))


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
