"""Patrol reports (巡查上报) through HTTP: a member's own team, the normal life, counted apart
from residents' requests and absent from public pages."""

from __future__ import annotations

from tests.factories import image_bytes
from tests.place.conftest import DEMO_POINT

PATROL = "/api/v1/patrol-reports"


def _upload(api):
    response = api.call("POST", "/api/v1/uploads",
                        data={"file": (__import__("io").BytesIO(image_bytes()), "p.jpg")},
                        content_type="multipart/form-data")
    assert response.status == 201, response.body
    return response.data["id"]


def _report(world, openid="demo-member-a", **overrides):
    body = {"category_code": "sanitation", "description": "巡查发现路边井盖松动",
            "section_id": world.section.id, **overrides}
    return world.as_(openid).post(PATROL, body)


def test_a_patrol_report_goes_to_the_reporters_team_and_lives_the_normal_life(world):
    member = world.as_("demo-member-a")
    photo = _upload(member)
    created = _report(world, photo_ids=[photo], address="幸福路12号旁")
    assert created.status == 201, created.body
    data = created.data
    assert data["channel"] == "patrol" and data["status"] == "dispatched"
    assert data["team_id"] == world.team_a.id and data["hop"] == "A"
    assert data["public"] is False and data["handler_id"] is None
    assert [p["id"] for p in data["photos"]] == [photo]
    submit = data["timeline"][0]
    assert submit["action"] == "submit" and submit["actor_role"] == "team"
    assert submit["actor_id"] == world.user("demo-member-a").id
    assert submit["data"]["channel"] == "patrol"
    # A teammate is told of it and takes it; then the usual review by the committee.
    inbox = world.as_("demo-member-a2").get("/api/v1/notifications").data["items"]
    assert any(n["kind"] == "new_task" and data["no"] in n["body"] for n in inbox)
    rid = data["id"]
    teammate = world.as_("demo-member-a2")
    assert teammate.post(f"/api/v1/requests/{rid}/accept").status == 200
    assert teammate.post(f"/api/v1/requests/{rid}/resolve", {"note": "井盖已加固"}).status == 200
    closed = world.as_("demo-committee").post(f"/api/v1/requests/{rid}/approve")
    assert closed.status == 200 and closed.data["status"] == "closed"
    # Nobody is its owner: there is no resident to rate or cancel it.
    assert world.as_("demo-resident").get(f"/api/v1/requests/{rid}").status == 404
    rate = member.post(f"/api/v1/requests/{rid}/rate", {"resolved": True, "satisfaction": "satisfied"})
    assert rate.status == 403


def test_accept_now_makes_the_reporter_its_handler_without_telling_the_team(world):
    created = _report(world, accept_now=True)
    assert created.status == 201, created.body
    assert created.data["status"] == "accepted"
    assert created.data["handler_id"] == world.user("demo-member-a").id
    assert [e["action"] for e in created.data["timeline"]] == ["submit", "accept"]
    inbox = world.as_("demo-member-a2").get("/api/v1/notifications").data["items"]
    assert not any(n["kind"] == "new_task" and created.data["no"] in n["body"] for n in inbox)
    other = world.as_("demo-member-a2").post(f"/api/v1/requests/{created.data['id']}/accept")
    assert other.status == 409


def test_the_team_serving_the_place_is_chosen_and_a_point_is_located(world):
    created = _report(world, "demo-member-b", section_id=None, lat=DEMO_POINT[0],
                      lng=DEMO_POINT[1], coord_system="wgs84")
    assert created.status == 201, created.body
    assert created.data["section_id"] == world.section.id
    assert created.data["team_id"] == world.team_b.id and created.data["hop"] == "B"


def test_who_may_report_and_what_is_refused(world):
    assert _report(world, "demo-resident").status == 403
    assert _report(world, "demo-committee").status == 403
    other_section = world.other_community.grids[0].sections[0].id
    elsewhere = _report(world, section_id=other_section)
    assert elsewhere.status == 422 and "section_id" in elsewhere.body["errors"]
    assert _report(world, public=True).status == 422  # never public: the field does not exist
    assert _report(world, description="短").status == 422
    assert _report(world, category_code="nope").status == 422
    assert _report(world, section_id=None).status == 422  # no place at all
    stranger = _upload(world.as_("demo-member-a2"))
    assert _report(world, photo_ids=[stranger]).status == 422  # someone else's photo


def test_figures_count_patrol_reports_apart_and_public_pages_do_not_show_them(world):
    resident_request = world.submit()
    patrol = _report(world, accept_now=True).data
    committee = world.as_("demo-committee")
    residents = committee.get("/api/v1/stats").data
    assert residents["channel"] == "resident"
    assert residents["items"][0]["total"] == 1 and residents["items"][0]["dispatched"] == 1
    assert residents["items"][0]["response_rate"] == 0.0  # the resident's is not taken yet
    patrols = committee.get("/api/v1/stats?channel=patrol").data
    assert patrols["channel"] == "patrol"
    assert patrols["items"][0]["total"] == 1 and patrols["items"][0]["response_rate"] == 1.0
    assert committee.get("/api/v1/stats?channel=everything").status == 422
    export = world.client.get("/api/v1/stats/export?format=csv&channel=patrol",
                              headers={"Authorization": f"Bearer {world.tokens['demo-committee']}"})
    assert export.status_code == 200 and "-patrol-" in export.headers["Content-Disposition"]
    board = world.client.get(f"/api/v1/public/communities/{world.community.id}/sunlight").get_json()
    listed = [r["no"] for r in board["data"]["requests"]["items"]]
    assert listed == [resident_request["no"]] and board["data"]["figures"]["total"] == 1
    assert world.client.get(f"/api/v1/public/requests/{patrol['no']}").status_code == 404
    assert world.client.get(f"/sunlight/requests/{patrol['no']}").status_code == 404
    assert world.client.get(f"/api/v1/public/requests/{resident_request['no']}").status_code == 200
    open311 = world.client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in open311] == [resident_request["no"]]
