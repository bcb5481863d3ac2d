"""Top-down tasks through HTTP: a street lists one for its community, the committee names who
answers for it, the work runs the normal life (inbox, accept, resolve, approve), goes red past
its deadline like any request, is counted apart from residents' requests and, when public, shows
its result on the sunlight list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.grid.queries import active_member_team
from server.jobs import all_jobs
from server.notifications.models import Notification
from server.requests.models import Request
from tests.factories import Api
from tests.races import race


def _task(world, clock, *, openid="demo-street", public=True, hours=24, communities=None):
    return world.as_(openid).post("/api/v1/directives", {
        "title": "清扫幸福路积雪", "description": "雪后两小时内清出人行道", "category_code": "sanitation",
        "deadline": (clock.now() + timedelta(hours=hours)).isoformat(),
        "community_ids": communities or [world.community.id], "is_public": public})


def _designate(world, task_id, **owner):
    return world.as_("demo-committee").post(
        f"/api/v1/directives/{task_id}/communities/{world.community.id}/designate", owner)


def test_a_street_lists_a_task_and_the_committee_puts_a_team_on_it(world, clock):
    made = _task(world, clock)
    assert made.status == 201, made.body
    task = made.data
    assert task["level"] == "street" and task["targets"][0]["status_label"] == "待指定责任人"
    told = db.session.scalars(select(Notification).where(
        Notification.kind == "directive_listed",
        Notification.user_id == world.user("demo-committee").id)).all()
    assert len(told) == 1 and "清扫幸福路积雪" in told[0].title
    team = active_member_team(world.user("demo-member-a").id, world.community.id)
    named = _designate(world, task["id"], team_id=team.id)
    assert named.status == 200, named.body
    target = named.data["targets"][0]
    assert target["team"] == team.name and target["status"] == "dispatched"
    request = db.session.get(Request, target["request_id"])
    assert request.channel == "task" and request.resident_id is None and request.team_id == team.id
    assert request.resolve_deadline == clock.now() + timedelta(hours=24)
    again = _designate(world, task["id"], team_id=team.id)
    assert again.status == 409 and again.code == 40990
    # The team works it like any request: in the inbox, accepted, resolved, approved.
    member = world.as_("demo-member-a")
    inbox = member.get("/api/v1/tasks?scope=available").data["items"]
    assert request.id in [item["id"] for item in inbox]
    assert member.post(f"/api/v1/requests/{request.id}/accept").status == 200
    assert member.post(f"/api/v1/requests/{request.id}/resolve", {"note": "已清扫完毕"}).status == 200
    assert world.as_("demo-committee").post(f"/api/v1/requests/{request.id}/approve").status == 200
    done = world.as_("demo-street").get(f"/api/v1/directives/{task['id']}").data["targets"][0]
    assert done["status"] == "closed" and done["status_label"] == "已办结"
    # 成绩晒单: a public task's result is on the sunlight list and its public page.
    page = world.client.get(f"/api/v1/public/requests/{request.no}")
    assert page.status_code == 200 and "清扫幸福路积雪" in page.get_data(as_text=True)
    assert page.get_json()["data"]["timeline"][0]["label"] == "社区两委下达任务（责任上单）"


def test_a_named_member_holds_the_task_and_it_goes_red_past_its_deadline(world, clock):
    task = _task(world, clock, public=False, hours=2).data
    member_id = world.user("demo-member-a").id
    named = _designate(world, task["id"], member_id=member_id)
    assert named.status == 200, named.body
    target = named.data["targets"][0]
    assert (target["member_id"], target["status"]) == (member_id, "accepted")
    request = db.session.get(Request, target["request_id"])
    assert request.handler_id == member_id
    assert world.client.get(f"/api/v1/public/requests/{request.no}").status_code == 404  # not public
    clock.advance(hours=3)
    assert all_jobs()["duty.lights"].func(clock.now())["red"] == 1
    assert world.as_("demo-street").get(f"/api/v1/directives/{task['id']}").data["targets"][0]["light"] == "red"
    # Counted apart from residents' requests.
    committee = world.as_("demo-committee")
    residents = committee.get("/api/v1/stats").data["items"]
    tasks = committee.get("/api/v1/stats?channel=task").data["items"]
    assert sum(i["total"] for i in residents) == 0 and sum(i["total"] for i in tasks) == 1


def test_who_may_list_name_and_read_tasks(world, clock):
    other = world.other_community.id
    assert _task(world, clock, communities=[other]).status == 403  # another street's community
    assert _task(world, clock, openid="demo-county", communities=[world.community.id, other]).status == 201
    assert _task(world, clock, openid="demo-committee", communities=[other]).status == 403
    assert _task(world, clock, openid="demo-committee").status == 201  # its own community
    for openid in ("demo-resident", "demo-member-a"):
        assert _task(world, clock, openid=openid).status == 403
        assert world.as_(openid).get("/api/v1/directives").status == 403
    assert _task(world, clock, hours=-1).status == 422  # a deadline in the past
    bad = world.as_("demo-street").post("/api/v1/directives", {
        "title": "x", "description": "清雪", "category_code": "sanitation", "community_ids": [],
        "deadline": clock.now().isoformat(), "extra": 1})
    assert bad.status == 422 and {"title", "community_ids", "extra"} <= set(bad.body["errors"])
    task = _task(world, clock).data
    assert world.as_("js-committee").get(f"/api/v1/directives/{task['id']}").status == 404
    stranger = world.as_("js-committee").post(
        f"/api/v1/directives/{task['id']}/communities/{world.community.id}/designate", {"team_id": 1})
    assert stranger.status == 404
    assert _designate(world, task["id"]).status == 422  # neither a team nor a member
    assert _designate(world, task["id"], team_id=1, member_id=1).status == 422
    outsider = world.user("js-committee").id
    assert _designate(world, task["id"], member_id=outsider).status == 422  # not a member here
    listed = world.as_("demo-committee").get("/api/v1/directives").data["items"]
    assert task["id"] in [d["id"] for d in listed]


def test_two_namings_at_once_make_one_owner_and_one_request(world, app, clock):
    task = _task(world, clock).data
    member_id = world.user("demo-member-a").id
    team = active_member_team(member_id, world.community.id)
    token = world.as_("demo-committee").token
    path = f"/api/v1/directives/{task['id']}/communities/{world.community.id}/designate"
    db.session.remove()
    answers = race(app, [lambda client: Api(client, token).post(path, {"team_id": team.id}),
                         lambda client: Api(client, token).post(path, {"member_id": member_id})])
    assert sorted(a.status for a in answers) == [200, 409]
    assert [a.code for a in answers if a.status == 409] == [40990]
    assert db.session.scalar(select(func.count()).select_from(Request).where(
        Request.channel == "task")) == 1
