"""包保买单: the unit and leader that answer for a community are told of its red lights while they
answer for it, and the assessment shows what each unit answered for and how it ended."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.admin.models import AuditEntry
from server.cards.models import Card
from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Notification


def _leader(world) -> int:
    world.as_("baobao-leader")
    return world.user("baobao-leader").id


def _notices(user_id: int) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user_id, Notification.kind == "guarantor_red_light")))


def test_the_leader_answering_for_the_community_hears_of_each_red_light_once(world, clock):
    leader = _leader(world)
    county = world.as_("demo-county")
    path = f"/api/v1/communities/{world.community.id}/guarantors"
    made = county.post(path, {"department_id": _housing_id(world), "leader_name": "李副局长",
                              "leader_user_id": leader, "starts_on": "2026-11-01"})
    assert made.status == 201 and made.data["unit_name"] == "县住房和城乡建设局"
    ended = county.post(path, {"unit_name": "县财政局", "leader_name": "王科长",
                               "leader_user_id": world.user("demo-street").id,
                               "starts_on": "2026-10-01", "ends_on": "2026-11-10"})
    assert ended.status == 201
    rid = world.submit()["id"]
    clock.advance(days=30)  # past every deadline: red
    lights = all_jobs()["duty.lights"].func
    assert lights(clock.now())["red"] == 1
    assert lights(clock.now() + timedelta(minutes=5))["red"] == 0  # once per red light
    told = _notices(leader)
    assert [n.request_id for n in told] == [rid] and "请督促" in told[0].body
    assert _notices(world.user("demo-street").id) == []  # that unit's term had ended

    answered = county.get("/api/v1/guarantors/assessment?start=2026-11-01").data["items"]
    current = next(i for i in answered if i["unit_name"] == "县住房和城乡建设局")
    assert (current["red_lights"], current["still_open"], current["closed"]) == (1, 1, 0)
    past = next(i for i in answered if i["unit_name"] == "县财政局")
    assert past["red_lights"] == 0  # the red light came after its term


def test_who_may_name_and_change_a_guarantor(world, clock):
    path = f"/api/v1/communities/{world.community.id}/guarantors"
    body = {"unit_name": "县交通局", "leader_name": "赵主任", "starts_on": "2026-11-01"}
    street = world.as_("demo-street")
    made = street.post(path, body)
    assert made.status == 201
    for openid in ("demo-committee", "demo-member-a", "demo-resident"):
        assert world.as_(openid).post(path, body).status == 403
    other = f"/api/v1/communities/{world.other_community.id}/guarantors"
    assert street.post(other, body).status == 403  # another street's community
    assert world.as_("demo-county").post(other, body).status == 201
    assert street.get(path).data["items"][0]["unit_name"] == "县交通局"
    # Validation: a unit or a department, dates in order, unknown fields refused.
    assert street.post(path, {"leader_name": "赵主任", "starts_on": "2026-11-01"}).status == 422
    backwards = street.post(path, {**body, "ends_on": "2026-10-01"})
    assert backwards.status == 422 and "ends_on" in backwards.body["errors"]
    assert street.post(path, {**body, "extra": True}).status == 422
    # Ending it is audited; another street cannot touch it.
    gid = made.data["id"]
    patched = street.call("PATCH", f"/api/v1/guarantors/{gid}", json={"ends_on": "2026-11-30"})
    assert patched.status == 200 and patched.data["ends_on"] == "2026-11-30"
    assert patched.data["unit_name"] == "县交通局"
    assert world.as_("js-committee").call("PATCH", f"/api/v1/guarantors/{gid}",
                                          json={"ends_on": "2026-12-30"}).status == 404
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == "guarantor").order_by(AuditEntry.id)).all()
    assert actions == ["guarantor.create", "guarantor.create", "guarantor.update"]
    assert world.as_("demo-committee").get("/api/v1/guarantors/assessment").status == 403


def _housing_id(world) -> int:
    from server.duty.models import Department

    return db.session.scalar(select(Department.id).where(Department.code == "housing"))


def test_the_units_record_counts_the_communitys_warning_cards_in_its_term(world, clock):
    county = world.as_("demo-county")
    assert county.post(f"/api/v1/communities/{world.community.id}/guarantors", {
        "unit_name": "县交通局", "leader_name": "赵主任", "starts_on": "2026-11-01"}).status == 201
    rule = world.as_("demo-admin").post("/api/v1/admin/card-rules", {
        "name": "一周红灯", "kind": "team_red_lights", "level": "team", "colour": "yellow",
        "params": {"min_red": 1}, "window_days": 7, "expiry_days": 30})
    assert rule.status == 201, rule.body
    for period, status in (("2026-11-16", "active"), ("2026-11-09", "revoked")):
        db.session.add(Card(rule_id=rule.data["id"], level="team", holder_id=world.team_a.id,
                            community_id=world.community.id, period=period, colour="yellow",
                            reason="一周内红灯诉求过多", status=status, issued_at=clock.now(),
                            expires_at=clock.now() + timedelta(days=30)))
    db.session.commit()
    item = county.get("/api/v1/guarantors/assessment?start=2026-11-01").data["items"][0]
    assert (item["yellow_cards"], item["red_cards"]) == (1, 0)
