"""Supervision up the chain (督办): the committee's hop has a deadline per category; work it sits
on past it escalates to the street (its staff told); the street instructs the committee back or
blows the whistle itself; all through the one state machine."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.notifications.models import Notification
from server.requests.escalation import escalate_due
from server.requests.models import Request
from tests.factories import Api
from tests.races import race


def _set_committee_minutes(world, minutes, code="sanitation"):
    admin = world.as_("demo-admin")
    category = next(c for c in admin.get("/api/v1/admin/categories?limit=50").data["items"]
                    if c["code"] == code)
    return admin.call("PATCH", f"/api/v1/admin/categories/{category['id']}",
                      {"committee_minutes": minutes})


def _inbox(world, openid: str, kind: str) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == world.user(openid).id, Notification.kind == kind)
        .order_by(Notification.id)))


def _request(rid: int) -> Request:
    db.session.expire_all()
    return db.session.get(Request, rid)


def _at_committee(world, clock) -> int:
    """A request that passed A and B (31 minutes each) and reached the committee."""
    rid = world.submit()["id"]
    for _ in range(2):
        clock.advance(minutes=31)
        escalate_due(clock.now())
    assert _request(rid).hop == "committee"
    return rid


def test_the_admin_sets_and_validates_the_committee_deadline(world, clock):
    for bad in (0, -5, 7 * 24 * 60 + 1, "60", 1.5):
        response = _set_committee_minutes(world, bad)
        assert response.status == 422 and "committee_minutes" in response.body["errors"], bad
    ok = _set_committee_minutes(world, 90)
    assert ok.status == 200 and ok.data["committee_minutes"] == 90
    cleared = _set_committee_minutes(world, None)
    assert cleared.status == 200 and cleared.data["committee_minutes"] is None
    made = world.as_("demo-admin").post("/api/v1/admin/categories", {
        "code": "noise", "name": "噪音扰民", "accept_minutes": 30, "resolve_hours": 24,
        "dispatch_order": ["A", "committee"], "committee_minutes": 120})
    assert made.status == 201 and made.data["committee_minutes"] == 120
    street_hop = world.as_("demo-admin").post("/api/v1/admin/categories", {
        "code": "noise2", "name": "噪音", "accept_minutes": 30, "resolve_hours": 24,
        "dispatch_order": ["A", "street"]})
    assert street_hop.status == 422  # the street is reached only past the committee


def test_without_a_deadline_the_committee_keeps_the_work(world, clock):
    rid = _at_committee(world, clock)
    assert _request(rid).accept_deadline is None
    clock.advance(days=5)
    escalate_due(clock.now())
    assert _request(rid).hop == "committee"
    assert _inbox(world, "demo-street", "supervision") == []


def test_work_the_committee_sits_on_escalates_to_the_street(world, clock):
    assert _set_committee_minutes(world, 60).status == 200
    rid = _at_committee(world, clock)
    request = _request(rid)
    # it reached the committee when B's 30 minutes ran out; the committee has 60 from then
    assert request.accept_deadline == request.submitted_at + timedelta(minutes=30 + 30 + 60)
    told = _inbox(world, "demo-committee", "task_committee")
    assert "逾期将转街道督办" in told[-1].body
    clock.advance(seconds=(request.accept_deadline - clock.now()).total_seconds() - 60)
    assert escalate_due(clock.now())["escalated"] == 0
    clock.advance(minutes=2)
    assert escalate_due(clock.now()) == {"due": 1, "escalated": 1, "hops": 1}
    request = _request(rid)
    assert (request.status, request.hop, request.accept_deadline) == ("dispatched", "street", None)
    step = world.as_("demo-street").get(f"/api/v1/requests/{rid}").data["timeline"][-1]
    assert step["action"] == "escalate_hop" and step["data"]["to_hop"] == "street"
    street = _inbox(world, "demo-street", "supervision")
    assert len(street) == 1 and "已转街道督办" in street[0].body
    assert len(_inbox(world, "demo-committee", "supervision")) == 1
    assert _inbox(world, "demo-county", "supervision") == []
    # once: the next sweeps leave it with the street
    clock.advance(days=1)
    assert escalate_due(clock.now())["escalated"] == 0
    assert len(_inbox(world, "demo-street", "supervision")) == 1
    # the committee still sees it on its desk and may still act on it
    desk = world.as_("demo-committee").get("/api/v1/review").data["items"]
    assert rid in [r["id"] for r in desk]
    public = world.client.get(f"/api/v1/public/requests/{request.no}").get_json()["data"]
    assert public["timeline"][-1]["label"] == "社区超时未处理，转街道督办"


def test_a_late_sweep_catches_up_every_hop_at_once(world, clock):
    assert _set_committee_minutes(world, 60).status == 200
    rid = world.submit()["id"]
    clock.advance(minutes=31 + 31 + 61)
    assert escalate_due(clock.now()) == {"due": 1, "escalated": 1, "hops": 3}
    assert _request(rid).hop == "street"
    hops = [e["data"]["to_hop"] for e in world.as_("demo-street").get(
        f"/api/v1/requests/{rid}").data["timeline"] if e["action"] == "escalate_hop"]
    assert hops == ["B", "committee", "street"]


def test_the_street_sends_it_back_down_with_an_instruction(world, clock):
    assert _set_committee_minutes(world, 60).status == 200
    rid = _at_committee(world, clock)
    clock.advance(minutes=61)
    escalate_due(clock.now())
    street = world.as_("demo-street")
    assert street.post(f"/api/v1/requests/{rid}/instruct", {}).status == 422
    assert street.post(f"/api/v1/requests/{rid}/instruct", {"instruction": ""}).status == 422
    back = street.post(f"/api/v1/requests/{rid}/instruct", {"instruction": "请今日内指派专人处理"})
    assert back.status == 200, back.body
    request = _request(rid)
    assert (request.status, request.hop) == ("dispatched", "committee")
    assert request.accept_deadline == clock.now() + timedelta(minutes=60)
    step = back.data["timeline"][-1]
    assert step["action"] == "instruct" and step["note"] == "请今日内指派专人处理"
    assert step["actor_role"] == "street"
    told = _inbox(world, "demo-committee", "supervision_instruction")
    assert len(told) == 1 and "请今日内指派专人处理" in told[0].body and told[0].title == "街道督办指示"
    public = world.client.get(f"/api/v1/public/requests/{request.no}").get_json()["data"]
    last = public["timeline"][-1]
    assert last["label"] == "上级督办，退回社区限时办理" and last["by"] == "街道"
    assert "请今日内指派专人处理" not in str(public)  # staff text stays off the public page
    # the committee sits on it again: up again, the street told again
    clock.advance(minutes=61)
    assert escalate_due(clock.now())["hops"] == 1
    assert _request(rid).hop == "street" and len(_inbox(world, "demo-street", "supervision")) == 2
    # the committee acts in time after an instruction: nothing escalates
    street.post(f"/api/v1/requests/{rid}/instruct", {"instruction": "限两小时内指派"})
    assigned = world.as_("demo-committee").post(
        f"/api/v1/requests/{rid}/assign", {"member_id": world.user("demo-member-a").id})
    assert assigned.status == 200 and assigned.data["status"] == "accepted"
    clock.advance(days=1)
    assert escalate_due(clock.now())["escalated"] == 0


def test_an_instruction_on_work_under_way_is_a_note_to_the_committee(world, clock):
    rid = world.submit()["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    county = world.as_("demo-county")
    done = county.post(f"/api/v1/requests/{rid}/instruct", {"instruction": "请加快办理"})
    assert done.status == 200 and done.data["status"] == "accepted"
    assert _request(rid).handler_id == world.user("demo-member-a").id
    assert _inbox(world, "demo-committee", "supervision_instruction")[0].title == \
        "县城乡治理服务中心督办指示"


def test_who_may_instruct_and_when(world, clock):
    rid = world.submit()["id"]
    for openid in ("demo-committee", "demo-resident", "demo-member-a"):
        assert world.as_(openid).post(f"/api/v1/requests/{rid}/instruct",
                                      {"instruction": "请处理"}).status == 403
    other = world.submit(section_id=world.other_community.grids[0].sections[0].id)["id"]
    assert world.as_("demo-street").post(f"/api/v1/requests/{other}/instruct",
                                         {"instruction": "请处理"}).status == 404
    assert world.as_("demo-resident").post(f"/api/v1/requests/{rid}/cancel", {}).status == 200
    closed = world.as_("demo-street").post(f"/api/v1/requests/{rid}/instruct",
                                           {"instruction": "请处理"})
    assert closed.status == 409


def test_the_street_takes_it_over_and_blows_the_whistle(world, clock):
    assert _set_committee_minutes(world, 60).status == 200
    rid = _at_committee(world, clock)
    clock.advance(minutes=61)
    escalate_due(clock.now())
    assert world.as_("demo-county").post(f"/api/v1/requests/{rid}/escalate", {
        "department": "urban_mgmt", "note": "县里不直接吹哨"}).status == 403
    blown = world.as_("demo-street").post(f"/api/v1/requests/{rid}/escalate", {
        "department": "urban_mgmt", "note": "街道直接吹哨"})
    assert blown.status == 200 and blown.data["status"] == "referred", blown.body
    assert blown.data["timeline"][-1]["actor_role"] == "street"
    # the committee records the department's report and result as after its own whistle
    committee = world.as_("demo-committee")
    assert committee.post(f"/api/v1/requests/{rid}/whistle/report", {"note": "已到场"}).status == 200
    no = _request(rid).no
    labels = [s["label"] for s in world.client.get(f"/api/v1/public/requests/{no}").get_json()
              ["data"]["timeline"]]
    assert "街道吹哨，交由职能部门办理" in labels


def test_the_street_sending_it_back_and_the_committee_assigning_at_once(world, clock, app):
    """Both move the same request: one wins, the other is told it changed (409), and the
    timeline has exactly one of the two steps after the escalation."""
    assert _set_committee_minutes(world, 60).status == 200
    rid = _at_committee(world, clock)
    clock.advance(minutes=61)
    escalate_due(clock.now())
    street, committee = world.as_("demo-street").token, world.as_("demo-committee").token
    member = world.user("demo-member-a").id
    db.session.remove()

    statuses = race(app, [
        lambda client: Api(client, street).post(f"/api/v1/requests/{rid}/instruct",
                                                {"instruction": "请社区处理"}).status,
        lambda client: Api(client, committee).post(f"/api/v1/requests/{rid}/assign",
                                                    {"member_id": member}).status,
    ])
    assert sorted(statuses) in ([200, 200], [200, 409])
    request = _request(rid)
    actions = [e.action for e in request.events]
    after = actions[actions.index("escalate_hop") + 3:]  # past B, committee, street
    if statuses == [200, 200]:  # not at once after all: both applied, one after the other
        assert sorted(after) == ["assign", "instruct"]
    else:
        assert len(after) == 1
        assert request.status == ("accepted" if after == ["assign"] else "dispatched")


def test_the_streets_desk_shows_what_escalated_to_it_and_what_went_red(world, clock):
    assert _set_committee_minutes(world, 60).status == 200
    escalated = _at_committee(world, clock)
    clock.advance(minutes=61)
    escalate_due(clock.now())
    assert _request(escalated).hop == "street"
    street = world.as_("demo-street")
    desk = street.get("/api/v1/supervision")
    assert desk.status == 200, desk.body
    assert [item["id"] for item in desk.data["items"]] == [escalated]
    clock.advance(days=30)  # past every resolve deadline: red
    late = world.submit()["id"]
    clock.advance(days=30)
    ids = {item["id"] for item in street.get("/api/v1/supervision").data["items"]}
    assert {escalated, late} <= ids
    reds = street.get("/api/v1/supervision?light=red").data["items"]
    assert late in {item["id"] for item in reds}
    assert {i["id"] for i in world.as_("demo-county").get("/api/v1/supervision").data["items"]} >= ids
    for openid in ("demo-committee", "demo-member-a", "demo-resident"):
        assert world.as_(openid).get("/api/v1/supervision").status == 403
    # Another street's staff see none of it.
    admin = world.as_("demo-admin")
    other = world.other_community.street_id
    world.as_("other-street-staff")
    stranger = world.user("other-street-staff").id
    assert admin.post("/api/v1/admin/roles/grant", {"role": "street", "user_id": stranger,
                                                     "street_id": other}).status == 200
    theirs = world.as_("other-street-staff").get("/api/v1/supervision").data["items"]
    assert not {escalated, late} & {item["id"] for item in theirs}
