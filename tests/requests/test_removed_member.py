"""A member removed from their team loses their standing on the requests they held: nothing
personal is readable, nothing can be posted, and what they held goes back to the committee's
desk through the state machine (a timeline step, the committee told)."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.notifications.models import Notification
from server.requests.models import Event, Request
from tests.inservice.conftest import approved


def _held(world) -> int:
    member = world.as_("demo-member-a")
    rid = world.submit()["id"]
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    assert member.post(f"/api/v1/requests/{rid}/progress", {"note": "已到现场查看"}).status == 200
    assert member.get(f"/api/v1/requests/{rid}/contact").status == 200
    return rid


def _remove(world, team_id: int, openid: str):
    return world.as_("demo-committee").post(f"/api/v1/admin/teams/{team_id}/members/remove",
                                            {"user_id": world.user(openid).id})


def test_a_removed_handler_reads_nothing_and_their_work_goes_to_the_committee(world):
    rid = _held(world)
    assert _remove(world, world.team_a.id, "demo-member-a").status == 200
    member = world.as_("demo-member-a")
    assert member.get(f"/api/v1/requests/{rid}/contact").status == 404
    assert member.get(f"/api/v1/requests/{rid}").status == 404
    assert member.post(f"/api/v1/requests/{rid}/progress", {"note": "还在处理"}).status == 404
    assert member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已处理"}).status == 404
    db.session.expire_all()
    request = db.session.get(Request, rid)
    assert (request.status, request.hop, request.handler_id, request.team_id) == (
        "dispatched", "committee", None, None)
    last = db.session.scalars(select(Event).where(Event.request_id == rid)
                              .order_by(Event.id.desc())).first()
    assert (last.action, last.actor_role) == ("release", "system")
    told = db.session.scalars(select(Notification).where(
        Notification.kind == "handler_left",
        Notification.user_id == world.user("demo-committee").id)).all()
    assert [n.request_id for n in told] == [rid]
    # The committee hands it to someone else, who carries on.
    committee = world.as_("demo-committee")
    other = world.user("demo-member-a2").id
    assert committee.post(f"/api/v1/requests/{rid}/assign", {"member_id": other}).status == 200
    assert world.as_("demo-member-a2").get(f"/api/v1/requests/{rid}/contact").status == 200
    page = world.client.get(f"/api/v1/public/requests/{request.no}")
    labels = [step["label"] for step in page.get_json()["data"]["timeline"]]
    assert "办理人已调离服务队，退回社区两委重新指派" in labels


def test_a_member_still_serving_in_another_team_of_the_community_keeps_their_work(world):
    rid = _held(world)
    committee = world.as_("demo-committee")
    member_id = world.user("demo-member-a").id
    assert committee.post(f"/api/v1/admin/teams/{world.team_b.id}/members",
                          {"user_id": member_id}).status == 200
    assert _remove(world, world.team_a.id, "demo-member-a").status == 200
    assert world.as_("demo-member-a").get(f"/api/v1/requests/{rid}/contact").status == 200
    db.session.expire_all()
    assert db.session.get(Request, rid).handler_id == member_id


def _assigned_to(world, openid: str) -> int:
    """A request the committee handed to ``openid``, who started on it."""
    rid = world.submit()["id"]
    committee = world.as_("demo-committee")
    assigned = committee.post(f"/api/v1/requests/{rid}/assign", {"member_id": world.user(openid).id})
    assert assigned.status == 200, assigned.body
    assert world.as_(openid).post(f"/api/v1/requests/{rid}/progress", {"note": "已联系居民"}).status == 200
    assert world.as_(openid).get(f"/api/v1/requests/{rid}/contact").status == 200
    return rid


def _back_on_the_desk(world, rid: int, member_id: int) -> None:
    db.session.expire_all()
    request = db.session.get(Request, rid)
    assert (request.status, request.hop, request.handler_id) == ("dispatched", "committee", None)
    last = db.session.scalars(select(Event).where(Event.request_id == rid)
                              .order_by(Event.id.desc())).first()
    assert (last.action, last.actor_role, last.data["member_id"]) == ("release", "system", member_id)


def test_an_ended_in_service_seat_hands_back_what_its_member_held(world):
    """Ending an in-service registration takes the member off the B-post team: the same as a
    removal, what they held goes back to the committee's desk and nothing personal stays."""
    registration = approved(world, "cadre-held")
    rid = _assigned_to(world, "cadre-held")
    ended = world.as_("demo-committee").post(
        f"/api/v1/inservice/registrations/{registration['id']}/end", {"reason": "工作调动"})
    assert ended.status == 200, ended.body
    member = world.as_("cadre-held")
    assert member.get(f"/api/v1/requests/{rid}/contact").status == 404
    assert member.post(f"/api/v1/requests/{rid}/progress", {"note": "还在处理"}).status == 404
    _back_on_the_desk(world, rid, world.user("cadre-held").id)


def test_a_deleted_account_hands_back_what_it_held(world):
    rid = _assigned_to(world, "demo-member-a")
    member_id = world.user("demo-member-a").id
    assert world.as_("demo-member-a").call("DELETE", "/api/v1/me").status == 200
    _back_on_the_desk(world, rid, member_id)
