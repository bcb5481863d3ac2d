"""`flask jobs run --now` writes real history: no future time by accident, local times read
in TIMEZONE; `flask outbox status` says when pending deliveries fall due."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.notifications.models import Delivery
from server.notifications.service import notify
from server.requests.models import Event


def _events() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Event))


def test_a_future_now_is_refused_outside_development_unless_yes(ctx, world, clock):
    world.submit()  # nobody accepts it: the sweep would write escalation steps
    runner = ctx.test_cli_runner()
    before = _events()
    ahead = (clock.now() + timedelta(hours=3)).isoformat()
    ctx.config["ENV_NAME"] = "production"
    try:
        refused = runner.invoke(args=["jobs", "run", "duty.escalate_hops", "--now", ahead])
        assert refused.exit_code != 0 and "--yes" in refused.output and "future" in refused.output
        assert _events() == before  # nothing written
        past = runner.invoke(args=["jobs", "run", "duty.escalate_hops", "--now", clock.now().isoformat()])
        assert past.exit_code == 0, past.output
        meant = runner.invoke(args=["jobs", "run", "duty.escalate_hops", "--now", ahead, "--yes"])
        assert meant.exit_code == 0, meant.output
        assert _events() > before
    finally:
        ctx.config["ENV_NAME"] = "development"


def test_development_may_run_ahead_and_naive_times_are_local(ctx, world, clock):
    runner = ctx.test_cli_runner()
    # T0 is 09:00 in Shanghai; 10:00 written without an offset is 10:00 there, an hour ahead.
    ran = runner.invoke(args=["jobs", "run", "duty.escalate_hops", "--now", "2026-11-23T10:00:00"])
    assert ran.exit_code == 0, ran.output
    assert "at 2026-11-23T10:00:00+08:00:" in ran.output
    assert "+00:00" not in ran.output


def test_outbox_status_shows_when_pending_deliveries_fall_due(ctx, world, clock, monkeypatch):
    monkeypatch.setitem(ctx.config, "NOTIFY_CHANNELS", "inbox,wechat")  # the inbox is not queued
    (notification_id,) = notify(user_ids=[world.user("demo-resident").id], kind="weekly_report",
                                title="t", body="b", now=clock.now())
    db.session.commit()
    delivery = db.session.scalar(select(Delivery).where(Delivery.notification_id == notification_id))
    delivery.next_attempt_at = clock.now() + timedelta(hours=5)  # parked, as by a --now ahead
    db.session.commit()
    shown = ctx.test_cli_runner().invoke(args=["outbox", "status"])
    assert shown.exit_code == 0, shown.output
    assert "pending: 0 due now, 1 later; next due 2026-11-23T14:00:00+08:00" in shown.output
