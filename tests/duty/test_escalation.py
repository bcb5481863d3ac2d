"""Hops, deadlines, nobody on duty, catch-up and idempotence of the escalation sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.extensions import db
from server.requests.escalation import escalate_due

T = timedelta


def _get(world, rid, who="demo-committee"):
    db.session.expire_all()
    response = world.as_(who).get(f"/api/v1/requests/{rid}")
    assert response.status == 200, response.body
    return response.data


def _hops(data):
    return [(e["data"]["from_hop"], e["data"]["to_hop"]) for e in data["timeline"]
            if e["action"] == "escalate_hop"]


def test_every_hop_and_its_deadline(world, clock, inbox):
    t0 = clock.now()
    created = world.submit()  # sanitation: 30 minutes per hop, A → B → committee
    rid = created["id"]
    assert (created["hop"], created["team_id"]) == ("A", world.team_a.id)
    assert datetime.fromisoformat(created["accept_deadline"]) == t0 + T(minutes=30)
    assert "new_task" in inbox.kinds(world.user("demo-member-a").id)

    assert escalate_due(t0 + T(minutes=29, seconds=59))["hops"] == 0
    assert _get(world, rid)["hop"] == "A"

    assert escalate_due(t0 + T(minutes=30))["hops"] == 1
    at_b = _get(world, rid)
    assert (at_b["hop"], at_b["team_id"], at_b["status"]) == ("B", world.team_b.id, "dispatched")
    assert datetime.fromisoformat(at_b["accept_deadline"]) == t0 + T(minutes=60)
    assert "new_task" in inbox.kinds(world.user("demo-member-b").id)

    assert escalate_due(t0 + T(minutes=60))["hops"] == 1
    at_committee = _get(world, rid)
    assert (at_committee["hop"], at_committee["team_id"]) == ("committee", None)
    assert at_committee["accept_deadline"] is None
    assert _hops(at_committee) == [("A", "B"), ("B", "committee")]
    assert "task_committee" in inbox.kinds(world.user("demo-committee").id)
    desk = world.as_("demo-committee").get("/api/v1/review").data["items"]
    assert [r["id"] for r in desk] == [rid]
    assert escalate_due(t0 + T(days=3))["hops"] == 0  # the committee is the last stop


def test_catch_up_after_downtime_records_every_hop(world, clock):
    t0 = clock.now()
    rid = world.submit()["id"]
    result = escalate_due(t0 + T(hours=5))
    assert result == {"due": 1, "escalated": 1, "hops": 2}
    data = _get(world, rid)
    assert data["hop"] == "committee"
    hops = [e for e in data["timeline"] if e["action"] == "escalate_hop"]
    assert _hops(data) == [("A", "B"), ("B", "committee")]
    assert [datetime.fromisoformat(e["created_at"]) for e in hops] == [
        t0 + T(minutes=30), t0 + T(minutes=60)]


def test_running_the_sweep_twice_escalates_once(world, clock):
    rid = world.submit()["id"]
    at = clock.now() + T(minutes=31)
    assert escalate_due(at)["hops"] == 1
    assert escalate_due(at) == {"due": 0, "escalated": 0, "hops": 0}
    assert _hops(_get(world, rid)) == [("A", "B")]


def test_b_first_category_goes_to_the_section_post(world, clock):
    t0 = clock.now()
    created = world.submit(category_code="policy")  # B,A,committee, 120 minutes
    assert (created["hop"], created["team_id"]) == ("B", world.team_b.id)
    escalate_due(t0 + T(minutes=120))
    assert _get(world, created["id"])["hop"] == "A"


def test_nobody_on_duty_at_a_goes_straight_to_b(world, clock):
    committee = world.as_("demo-committee")
    for openid in ("demo-member-a", "demo-member-a2"):
        leave = committee.post("/api/v1/leaves", {
            "user_id": world.user(openid).id, "reason": "外出",
            "starts_at": (clock.now() - T(hours=1)).isoformat(),
            "ends_at": (clock.now() + T(days=1)).isoformat()})
        assert leave.status == 201, leave.body
    created = world.submit()
    assert (created["hop"], created["team_id"]) == ("B", world.team_b.id)
    on_duty = committee.get(f"/api/v1/sections/{world.section.id}/on-duty").data
    assert {m["post"] for m in on_duty} == {"B"}


def test_b_without_shift_now_is_skipped_on_escalation(world, clock):
    committee = world.as_("demo-committee")
    b = world.user("demo-member-b").id
    # The B post's roster only covers Sunday: nobody there on this Monday.
    roster = committee.call("PUT", f"/api/v1/teams/{world.team_b.id}/shifts",
                            json={"shifts": [{"user_id": b, "weekday": 6, "start": "00:00",
                                              "end": "24:00"}]})
    assert roster.status == 200, roster.body
    rid = world.submit()["id"]
    escalate_due(clock.now() + T(minutes=30))
    data = _get(world, rid)
    assert data["hop"] == "committee"
    assert data["timeline"][-1]["data"]["skipped"] == ["B"]


def test_a_members_may_still_accept_after_escalation_to_b(world, clock):
    rid = world.submit()["id"]
    escalate_due(clock.now() + T(minutes=30))
    member_a = world.as_("demo-member-a")
    available = member_a.get("/api/v1/tasks?scope=available").data["items"]
    assert [r["id"] for r in available] == [rid]
    accepted = member_a.post(f"/api/v1/requests/{rid}/accept")
    assert accepted.status == 200 and accepted.data["handler_id"] == world.user("demo-member-a").id
    assert accepted.data["timeline"][-1]["data"] == {"helping_team_id": world.team_a.id}
    late = world.as_("demo-member-b").post(f"/api/v1/requests/{rid}/accept")
    assert late.status == 409


def test_the_b_post_does_not_see_work_still_at_a(world):
    rid = world.submit()["id"]
    member_b = world.as_("demo-member-b")
    assert member_b.get("/api/v1/tasks?scope=available").data["items"] == []
    assert member_b.post(f"/api/v1/requests/{rid}/accept").status == 404
