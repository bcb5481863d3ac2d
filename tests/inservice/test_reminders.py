"""The quarterly reminder job: once per quiet member per quarter, and a list for the committee."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Notification
from tests.inservice.conftest import approved, make_activity

JOB = "inservice.quarterly_reminder"


def _notes(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)
                                   .order_by(Notification.id)))


def test_quiet_members_are_reminded_once_a_quarter(world, clock):
    run = all_jobs()[JOB].func
    approved(world, "cadre-1", name="孙明")
    # 2026-11-23: 38 days left in Q4, too early to nag.
    assert "not yet" in run(clock.now())
    assert _notes("inservice_reminder") == []

    # cadre-1 attends an activity this quarter; demo-inservice does nothing.
    aid = make_activity(world)["id"]
    world.as_("cadre-1").post(f"/api/v1/activities/{aid}/signup")
    clock.advance(days=3)
    world.as_("demo-committee").post(f"/api/v1/activities/{aid}/attendance",
                                     {"member_ids": [world.user("cadre-1").id]})
    clock.advance(days=10)  # 2026-12-06
    assert "reminded 1 member(s)" in run(clock.now())
    [reminder] = _notes("inservice_reminder")
    assert reminder.user_id == world.user("demo-inservice").id
    [summary] = _notes("inservice_quiet_members")
    assert summary.user_id == world.user("demo-committee").id
    assert "陈立新" in summary.body and "孙明" not in summary.body

    # Idempotent: running again (or late) in the same quarter sends nothing more.
    run(clock.now())
    run(clock.now() + timedelta(days=5))
    assert len(_notes("inservice_reminder")) == 1 and len(_notes("inservice_quiet_members")) == 1

    # The next quarter is a new one: both are quiet in 2027Q1.
    result = run(clock.now() + timedelta(days=100))  # 2027-03-16
    assert "2027Q1: reminded 2 member(s)" in result
    assert len(_notes("inservice_reminder")) == 3
