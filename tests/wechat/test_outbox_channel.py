"""Notifications reach WeChat through the outbox's ``wechat`` channel."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Delivery


def _deliver(clock):
    return all_jobs()["notifications.deliver"].func(clock.now())


def _deliveries(channel="wechat"):
    db.session.expire_all()
    return db.session.scalars(select(Delivery).where(Delivery.channel == channel)).all()


def test_an_accepted_request_reaches_the_resident_as_a_subscribe_message(world, fake, clock, app):
    app.config["NOTIFY_CHANNELS"] = "inbox,wechat"
    try:
        resident = world.as_("demo-resident")
        resident.post("/api/v1/me/subscriptions", {"results": {"dev-tmpl-request-accepted": "accept"}})
        rid = world.submit()["id"]
        world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept")
        sent_before = fake.calls("/cgi-bin/message/subscribe/send")
        _deliver(clock)
    finally:
        app.config["NOTIFY_CHANNELS"] = "inbox"
    mine = [d for d in _deliveries() if d.notification.user_id == world.user("demo-resident").id]
    assert [(d.notification.kind, d.status) for d in mine] == [("request_accepted", "delivered")]
    assert fake.calls("/cgi-bin/message/subscribe/send") == sent_before + 1


def test_wechat_down_is_retried_and_no_credit_is_not(world, fake, clock, app):
    app.config["NOTIFY_CHANNELS"] = "inbox,wechat"
    try:
        world.as_("demo-resident").post("/api/v1/me/subscriptions",
                                        {"results": {"dev-tmpl-request-accepted": "accept"}})
        rid = world.submit()["id"]
        world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept")
        fake.fail("/cgi-bin/message/subscribe/send", http_status=502)
        _deliver(clock)
    finally:
        app.config["NOTIFY_CHANNELS"] = "inbox"
    resident_id = world.user("demo-resident").id
    accepted = [d for d in _deliveries() if d.notification.user_id == resident_id][0]
    assert accepted.status == "pending" and accepted.attempts == 1 and accepted.last_error
    # the members on duty had no credit for new_task: a normal end, not a retry
    others = [d for d in _deliveries() if d.notification.user_id != resident_id]
    assert others and {d.status for d in others} == {"delivered"}
    clock.advance(hours=1)
    _deliver(clock)
    db.session.refresh(accepted)
    assert accepted.status == "delivered"
