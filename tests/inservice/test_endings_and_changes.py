"""What changes after the start: a member ends their registration (or the committee does,
with a reason); the committee edits or cancels an activity and everyone signed up hears of it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.grid import queries as grid
from server.inservice.models import Activity, Signup
from server.notifications.models import Delivery, Notification
from tests.inservice.conftest import approved, make_activity


def _notes(user_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id)))


def test_a_member_ends_their_registration_and_their_seat_is_released(world):
    registration = approved(world, "cadre-1")
    cadre = world.user("cadre-1")
    assert [t.id for t in grid.teams_of(cadre.id)] == [world.team_b.id]
    ended = world.as_("cadre-1").post(f"/api/v1/inservice/registrations/{registration['id']}/end",
                                      {"reason": "退休"})
    assert ended.status == 200, ended.body
    assert ended.data["status"] == "ended" and ended.data["reason"] == "退休"
    assert ended.data["ended_at"] is not None
    assert grid.teams_of(cadre.id) == []  # the B-post seat is free
    told = _notes(world.user("demo-committee").id)[-1]
    assert told.kind == "inservice_ended" and "退休" in told.body
    again = world.as_("cadre-1").post(f"/api/v1/inservice/registrations/{registration['id']}/end",
                                      {})
    assert again.status == 409 and again.code == 40959
    # history stays: the committee still sees the ended registration
    desk = world.as_("demo-committee").get("/api/v1/inservice/registrations?status=ended")
    assert [r["id"] for r in desk.data["items"]] == [registration["id"]]


def test_the_committee_ends_one_with_a_reason(world):
    registration = approved(world, "cadre-1")
    path = f"/api/v1/inservice/registrations/{registration['id']}/end"
    committee = world.as_("demo-committee")
    missing = committee.post(path, {})
    assert missing.status == 422 and missing.code == 42253
    ended = committee.post(path, {"reason": "已调离本县"})
    assert ended.status == 200 and ended.data["status"] == "ended"
    told = _notes(world.user("cadre-1").id)[-1]
    assert told.kind == "registration_reviewed" and "已调离本县" in told.body
    assert grid.teams_of(world.user("cadre-1").id) == []


def test_nobody_else_ends_a_registration(world, other_committee):
    registration = approved(world, "cadre-1")
    path = f"/api/v1/inservice/registrations/{registration['id']}/end"
    assert world.as_(other_committee).post(path, {"reason": "x"}).status == 404
    assert world.as_("demo-member-a").post(path, {"reason": "x"}).status == 404
    assert world.as_("cadre-1").get("/api/v1/tasks").status == 200  # still serving


def test_an_activity_is_edited_and_the_signed_up_are_told(world, app):
    app.config["NOTIFY_CHANNELS"] = "inbox,wechat"
    try:
        activity = make_activity(world, capacity=3)
        aid = activity["id"]
        member = world.as_("demo-inservice")
        assert member.post(f"/api/v1/activities/{aid}/signup").status == 200
        assert world.as_("demo-member-b").post(f"/api/v1/activities/{aid}/signup").status == 200
        committee = world.as_("demo-committee")
        later = world.clock.now() + timedelta(days=3)
        edited = committee.call("PATCH", f"/api/v1/activities/{aid}", json={
            "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat(),
            "place": "幸福小区广场", "capacity": 2})
    finally:
        app.config["NOTIFY_CHANNELS"] = "inbox"
    assert edited.status == 200, edited.body
    assert edited.data["place"] == "幸福小区广场" and edited.data["capacity"] == 2
    assert edited.data["remaining"] == 0
    told = _notes(world.user("demo-inservice").id)[-1]
    assert told.kind == "activity_changed" and "幸福小区广场" in told.body
    assert "时间、地点、名额" in told.body
    channels = {d.channel for d in db.session.scalars(select(Delivery).where(
        Delivery.notification_id == told.id))}
    assert channels == {"wechat"}  # queued for WeChat; the inbox's message is the row itself
    assert _notes(world.user("demo-member-b").id)[-1].kind == "activity_changed"
    assert "activity_changed" not in [n.kind for n in _notes(world.user("demo-member-a").id)]


def test_capacity_never_goes_below_the_seats_taken(world):
    aid = make_activity(world, capacity=3)["id"]
    assert world.as_("demo-inservice").post(f"/api/v1/activities/{aid}/signup").status == 200
    assert world.as_("demo-member-b").post(f"/api/v1/activities/{aid}/signup").status == 200
    too_small = world.as_("demo-committee").call("PATCH", f"/api/v1/activities/{aid}",
                                                  json={"capacity": 1})
    assert too_small.status == 422 and too_small.code == 42252
    assert db.session.get(Activity, aid).capacity == 3
    nothing = world.as_("demo-committee").call("PATCH", f"/api/v1/activities/{aid}",
                                                json={"capacity": 3})
    assert nothing.status == 200
    assert "activity_changed" not in [n.kind for n in _notes(world.user("demo-inservice").id)]


def test_a_started_activity_is_not_edited_and_times_are_checked(world, clock):
    aid = make_activity(world)["id"]
    committee = world.as_("demo-committee")
    past = (clock.now() - timedelta(hours=1)).isoformat()
    assert committee.call("PATCH", f"/api/v1/activities/{aid}",
                          json={"starts_at": past}).status == 422
    assert committee.call("PATCH", f"/api/v1/activities/{aid}",
                          json={"capacity": 0}).status == 422
    assert world.as_("demo-inservice").call("PATCH", f"/api/v1/activities/{aid}",
                                            json={"capacity": 9}).status == 403
    clock.advance(days=2, hours=1)
    started = committee.call("PATCH", f"/api/v1/activities/{aid}", json={"place": "别处"})
    assert started.status == 409 and started.code == 40954


def test_a_cancelled_activity_takes_no_one_and_credits_no_hours(world, clock):
    aid = make_activity(world)["id"]
    member = world.as_("demo-inservice")
    assert member.post(f"/api/v1/activities/{aid}/signup").status == 200
    committee = world.as_("demo-committee")
    cancelled = committee.post(f"/api/v1/activities/{aid}/cancel", {"reason": "暴雨预警"})
    assert cancelled.status == 200, cancelled.body
    assert cancelled.data["cancelled_at"] and cancelled.data["cancel_reason"] == "暴雨预警"
    told = _notes(world.user("demo-inservice").id)[-1]
    assert told.kind == "activity_cancelled" and "暴雨预警" in told.body
    assert world.as_("demo-member-b").post(f"/api/v1/activities/{aid}/signup").code == 40960
    assert member.post(f"/api/v1/activities/{aid}/withdraw").code == 40960
    assert committee.post(f"/api/v1/activities/{aid}/cancel", {"reason": "x"}).code == 40960
    assert committee.call("PATCH", f"/api/v1/activities/{aid}",
                          json={"place": "x"}).code == 40960
    clock.advance(days=2, hours=1)
    who = world.user("demo-inservice").id
    refused = committee.post(f"/api/v1/activities/{aid}/attendance", {"member_ids": [who]})
    assert refused.status == 409 and refused.code == 40960
    assert member.get("/api/v1/inservice/me").data["hours_total"] == 0


def test_an_activity_with_credited_hours_is_not_cancelled(world, clock):
    aid = make_activity(world)["id"]
    assert world.as_("demo-inservice").post(f"/api/v1/activities/{aid}/signup").status == 200
    clock.advance(days=2, hours=1)
    committee = world.as_("demo-committee")
    who = world.user("demo-inservice").id
    assert committee.post(f"/api/v1/activities/{aid}/attendance",
                          {"member_ids": [who]}).status == 200
    refused = committee.post(f"/api/v1/activities/{aid}/cancel", {"reason": "补录"})
    assert refused.status == 409 and refused.code == 40961
    assert db.session.get(Activity, aid).cancelled_at is None


def _signup_status(activity_id: int, user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Signup.status).where(Signup.activity_id == activity_id,
                                                         Signup.user_id == user_id))


def test_ending_withdraws_the_sign_ups_to_activities_not_yet_started(world, clock):
    registration = approved(world, "cadre-1")
    cadre = world.user("cadre-1").id
    now = clock.now()
    soon = make_activity(world, title="楼道清理", starts_at=(now + timedelta(hours=1)).isoformat(),
                         ends_at=(now + timedelta(hours=3)).isoformat())["id"]
    later = make_activity(world, title="敬老院探访", capacity=2)["id"]
    for aid in (soon, later):
        assert world.as_("cadre-1").post(f"/api/v1/activities/{aid}/signup").status == 200
    assert world.as_("demo-inservice").post(f"/api/v1/activities/{later}/signup").status == 200
    assert db.session.get(Activity, later).taken == 2
    clock.advance(hours=2)  # the first has started: its attendance may still be confirmed
    ended = world.as_("cadre-1").post(f"/api/v1/inservice/registrations/{registration['id']}/end",
                                      {"reason": "调往外地"})
    assert ended.status == 200, ended.body
    assert _signup_status(later, cadre) == "withdrawn"
    assert db.session.get(Activity, later).taken == 1  # the seat is free for someone else
    assert _signup_status(soon, cadre) == "signed_up" and db.session.get(Activity, soon).taken == 1
    assert _signup_status(later, world.user("demo-inservice").id) == "signed_up"
    told = _notes(world.user("demo-committee").id)[-1]
    assert told.kind == "inservice_ended" and "敬老院探访" in told.body
    assert "楼道清理" not in told.body and told.data["withdrawn_activity_ids"] == [later]
    assert world.as_("demo-member-b").post(f"/api/v1/activities/{later}/signup").status == 200


def test_the_member_hears_which_sign_ups_went_when_the_committee_ends_it(world):
    registration = approved(world, "cadre-1")
    aid = make_activity(world, title="敬老院探访")["id"]
    assert world.as_("cadre-1").post(f"/api/v1/activities/{aid}/signup").status == 200
    ended = world.as_("demo-committee").post(
        f"/api/v1/inservice/registrations/{registration['id']}/end", {"reason": "已调离本县"})
    assert ended.status == 200, ended.body
    assert _signup_status(aid, world.user("cadre-1").id) == "withdrawn"
    assert db.session.get(Activity, aid).taken == 0
    told = _notes(world.user("cadre-1").id)[-1]
    assert told.kind == "registration_reviewed"
    assert "已调离本县" in told.body and "敬老院探访" in told.body
    assert told.data["withdrawn_activity_ids"] == [aid]


def test_someone_still_on_a_duty_team_there_keeps_their_sign_ups(world):
    registration = approved(world, "demo-member-a")  # also on the A team of the grid
    aid = make_activity(world)["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/activities/{aid}/signup").status == 200
    ended = world.as_("demo-member-a").post(
        f"/api/v1/inservice/registrations/{registration['id']}/end", {})
    assert ended.status == 200, ended.body
    assert _signup_status(aid, world.user("demo-member-a").id) == "signed_up"
    assert db.session.get(Activity, aid).taken == 1
    assert _notes(world.user("demo-committee").id)[-1].data["withdrawn_activity_ids"] == []
