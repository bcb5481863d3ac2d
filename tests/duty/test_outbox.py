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


def test_events_queue_inbox_deliveries_delivered_once(world, clock):
    rid = world.submit()["id"]
    world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept")
    queued = _deliveries("inbox")
    users = {d.notification.user_id for d in queued}
    assert {world.user("demo-member-a").id, world.user("demo-resident").id} <= users
    assert all(d.status == "pending" for d in queued)

    first = deliver_due(clock.now())
    assert first == {"delivered": len(queued), "retry": 0, "failed": 0}
    assert deliver_due(clock.now()) == {"delivered": 0, "retry": 0, "failed": 0}
    assert {d.status for d in _deliveries("inbox")} == {"delivered"}
    inbox = world.as_("demo-resident").get("/api/v1/notifications").data["items"]
    assert [n["kind"] for n in inbox] == ["request_accepted"]


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
