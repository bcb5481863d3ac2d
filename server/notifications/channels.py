"""Delivery channels, pluggable by name.

A channel is ``deliver(notification, now)``: it returns when the message went out and raises
to ask for a retry. ``NOTIFY_CHANNELS`` (comma-separated, default ``inbox``) picks the
channels each new notification is queued for; a WeChat subscribe-message channel registers
itself here under ``wechat``. The ``inbox`` is not queued: the notification row is the inbox's
message, so there is nothing to send (``queued_channels``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app

Deliver = Callable[[object, datetime], None]

_CHANNELS: dict[str, Deliver] = {}
# Channels whose message is the notification row itself: enabled, but nothing is queued.
_IN_PLACE: set[str] = set()


def register_channel(name: str, deliver: Deliver, *, queued: bool = True) -> None:
    _CHANNELS[name] = deliver
    if queued:
        _IN_PLACE.discard(name)
    else:
        _IN_PLACE.add(name)


def unregister_channel(name: str) -> None:
    _CHANNELS.pop(name, None)
    _IN_PLACE.discard(name)


def get_channel(name: str) -> Deliver | None:
    return _CHANNELS.get(name)


def enabled_channels() -> list[str]:
    raw = current_app.config.get("NOTIFY_CHANNELS") or "inbox"
    return [name.strip() for name in raw.split(",") if name.strip()]


def queued_channels() -> list[str]:
    """The enabled channels that need an outbox row per notification to be delivered."""
    return [name for name in enabled_channels() if name not in _IN_PLACE]


def _inbox(notification, now: datetime) -> None:
    """The in-app inbox reads the notifications table itself: the row is the message, written
    in the event's transaction, so there is nothing more to send. Not queued; this drains
    inbox rows an outbox may still hold from when it was (one no-op transaction each, and as
    many outbox rows as notifications: a sweep's 1,000 hops told about 11,000 people)."""


class RetryLater(RuntimeError):
    """A channel could not deliver now; the outbox retries with backoff."""


def _wechat(notification, now: datetime) -> None:
    """WeChat subscribe messages. "Skipped" (no template, no credit, 43101 — the user said
    no) is a normal end, not a failure; only transport errors are retried."""
    from server.notifications import subscribe

    outcome = subscribe.deliver(notification, now)
    if outcome.status == subscribe.RETRY:
        raise RetryLater(outcome.error or "wechat delivery failed")


register_channel("inbox", _inbox, queued=False)
register_channel("wechat", _wechat)
