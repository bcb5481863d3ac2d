"""The notifications outbox: queued with the event, delivered once, retried with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.notifications import channels
from server.notifications.models import Delivery, Notification
from server.notifications.service import deliver_due


def _deliveries(channel: str) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).where(Delivery.channel == channel)
                                   .order_by(Delivery.id)))


@pytest.fixture
def recording_channel(app, monkeypatch):
    calls: list[int] = []
    channels.register_channel("record", lambda notification, now: calls.append(notification.id))
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", "inbox,record")
    yield calls
    channels.unregister_channel("record")


def test_events_queue_deliveries_delivered_once(world, clock, recording_channel):
    rid = world.submit()["id"]
    world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept")
    queued = _deliveries("record")
    users = {d.notification.user_id for d in queued}
    assert {world.user("demo-member-a").id, world.user("demo-resident").id} <= users
    assert all(d.status == "pending" for d in queued)
    assert _deliveries("inbox") == []  # the inbox's message is the notification row itself

    first = deliver_due(clock.now())
    assert first == {"delivered": len(queued), "retry": 0, "failed": 0}
    assert sorted(recording_channel) == sorted(d.notification_id for d in queued)
    assert deliver_due(clock.now()) == {"delivered": 0, "retry": 0, "failed": 0}
    assert {d.status for d in _deliveries("record")} == {"delivered"}
    inbox = world.as_("demo-resident").get("/api/v1/notifications").data["items"]
    assert [n["kind"] for n in inbox] == ["request_accepted"]


def test_inbox_rows_an_outbox_still_holds_are_drained(world, clock):
    """Inbox rows queued before the inbox stopped being queued are delivered (a no-op)."""
    rid = world.submit()["id"]
    notification = db.session.scalar(select(Notification).where(Notification.request_id == rid))
    db.session.add(Delivery(notification_id=notification.id, channel="inbox", status="pending",
                            attempts=0, next_attempt_at=clock.now()))
    db.session.commit()
    assert deliver_due(clock.now()) == {"delivered": 1, "retry": 0, "failed": 0}
    assert [d.status for d in _deliveries("inbox")] == ["delivered"]


@pytest.fixture
def flaky_channel(app, monkeypatch):
    calls: list[int] = []

    def deliver(notification: Notification, now):
        calls.append(notification.id)
        if len(calls) < 3:
            raise ConnectionError("channel down")

    channels.register_channel("flaky", deliver)
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", "inbox,flaky")
    monkeypatch.setitem(app.config, "NOTIFY_BACKOFF_SECONDS", 30)
    yield calls
    channels.unregister_channel("flaky")


def test_a_failing_channel_is_retried_with_backoff(world, clock, flaky_channel):
    t0 = clock.now()
    world.submit()  # notifies the two on-duty A members
    deliveries = _deliveries("flaky")
    assert len(deliveries) == 2

    assert deliver_due(t0)["retry"] == 2  # both attempts fail
    row = _deliveries("flaky")[0]
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == t0 + timedelta(seconds=30)
    assert "ConnectionError" in row.last_error
    assert deliver_due(t0 + timedelta(seconds=29))["retry"] == 0  # not due yet
    result = deliver_due(t0 + timedelta(seconds=30))
    assert result == {"delivered": 2, "retry": 0, "failed": 0}
    assert [(d.status, d.attempts) for d in _deliveries("flaky")] == [("delivered", 2)] * 2
    assert len(flaky_channel) == 4


def test_a_channel_that_keeps_failing_gives_up(world, clock, flaky_channel, app, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 1)
    world.submit()
    assert deliver_due(clock.now())["failed"] == 2
    assert {d.status for d in _deliveries("flaky")} == {"failed"}
