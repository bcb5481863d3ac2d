"""Operators see failing deliveries and can queue one again."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.notifications.models import Delivery
from server.notifications.service import notify


def test_status_lists_failures_and_retry_requeues(ctx, world, clock, monkeypatch):
    monkeypatch.setitem(ctx.config, "NOTIFY_CHANNELS", "inbox,wechat")  # the inbox is not queued
    (notification_id,) = notify(user_ids=[world.user("demo-resident").id], kind="weekly_report",
                                title="t", body="b", now=clock.now())
    db.session.commit()
    delivery = db.session.scalar(select(Delivery).where(Delivery.notification_id == notification_id))
    delivery.status, delivery.attempts, delivery.last_error = "failed", 8, "RetryLater: 502"
    db.session.commit()
    runner = ctx.test_cli_runner()
    shown = runner.invoke(args=["outbox", "status"])
    assert shown.exit_code == 0
    assert "wechat     failed" in shown.output and f"#{delivery.id} wechat weekly_report" in shown.output
    assert "RetryLater: 502" in shown.output
    again = runner.invoke(args=["outbox", "retry", str(delivery.id)])
    assert again.exit_code == 0
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).status == "pending"
    assert runner.invoke(args=["outbox", "retry", str(delivery.id)]).exit_code != 0
