"""Light warnings (once each) and the whistle to departments (吹哨报到)."""

from __future__ import annotations

from datetime import timedelta

from server.requests.escalation import light_sweep, whistle_sweep

T = timedelta


def test_yellow_tells_the_handler_and_red_the_committee_once_each(world, clock, inbox):
    t0 = clock.now()
    rid = world.submit()["id"]  # sanitation: 24 hours to resolve, yellow at 18 hours
    member = world.as_("demo-member-a")
    member.post(f"/api/v1/requests/{rid}/accept")
    handler, committee = world.user("demo-member-a").id, world.user("demo-committee").id

    assert light_sweep(t0 + T(hours=17, minutes=59)) == {"red": 0, "yellow": 0}
    assert light_sweep(t0 + T(hours=18)) == {"red": 0, "yellow": 1}
    assert light_sweep(t0 + T(hours=19)) == {"red": 0, "yellow": 0}
    assert inbox.kinds(handler).count("light_yellow") == 1
    clock.advance(hours=18)
    desk = world.as_("demo-committee")
    assert [r["id"] for r in desk.get("/api/v1/review?light=yellow").data["items"]] == [rid]
    assert member.get(f"/api/v1/requests/{rid}").data["light"] == "yellow"

    assert light_sweep(t0 + T(hours=24, seconds=1)) == {"red": 1, "yellow": 0}
    assert light_sweep(t0 + T(hours=30)) == {"red": 0, "yellow": 0}
    assert inbox.kinds(committee).count("red_light") == 1
    clock.advance(hours=7)
    assert [r["id"] for r in desk.get("/api/v1/review?light=red").data["items"]] == [rid]
    assert desk.get("/api/v1/review?light=green").data["items"] == []
    counts = desk.get("/api/v1/review/lights").data
    assert counts["totals"] == {"green": 0, "yellow": 0, "red": 1}
    assert counts["teams"] == [{"id": world.team_a.id, "name": world.team_a.name,
                                "green": 0, "yellow": 0, "red": 1}]
    assert [g["red"] for g in counts["grids"]] == [1]


def test_review_light_filter_is_validated_and_committee_only(world):
    assert world.as_("demo-committee").get("/api/v1/review?light=blue").status == 422
    assert world.as_("demo-member-a").get("/api/v1/review/lights").status == 403


def test_whistle_report_back_response_and_overdue(world, clock, inbox):
    rid = world.submit()["id"]
    committee = world.as_("demo-committee")
    departments = committee.get("/api/v1/departments").data
    urban = next(d for d in departments if d["code"] == "urban_mgmt")

    unknown = committee.post(f"/api/v1/requests/{rid}/escalate",
                             {"department": "nowhere", "note": "x"})
    assert unknown.status == 422
    blown = committee.post(f"/api/v1/requests/{rid}/escalate",
                           {"department": urban["id"], "note": "占道经营需执法"})
    assert blown.status == 200, blown.body
    assert blown.data["status"] == "referred"
    whistle = blown.data["whistles"][0]
    assert whistle["department"]["code"] == "urban_mgmt" and whistle["reported_at"] is None

    reported = committee.post(f"/api/v1/requests/{rid}/whistle/report", {"note": "执法队已到场"})
    assert reported.status == 200 and reported.data["whistles"][0]["reported_at"]
    assert reported.data["timeline"][-1]["action"] == "report_back"
    again = committee.post(f"/api/v1/requests/{rid}/whistle/report", {"note": "重复"})
    assert again.status == 409

    late = clock.now() + T(hours=urban["response_hours"], seconds=1)
    assert whistle_sweep(late) == {"overdue": 1}
    assert whistle_sweep(late) == {"overdue": 0}
    assert inbox.kinds(world.user("demo-committee").id).count("whistle_overdue") == 1
    clock.at = late
    assert committee.get(f"/api/v1/requests/{rid}").data["light"] == "red"

    answered = committee.post(f"/api/v1/requests/{rid}/whistle/response", {"note": "已清理摊位"})
    assert answered.status == 200 and answered.data["status"] == "resolved"
    assert answered.data["whistles"][0]["response"] == "已清理摊位"
    assert committee.post(f"/api/v1/requests/{rid}/whistle/response",
                          {"note": "x"}).status == 409


def test_only_its_committee_records_a_whistle(world):
    rid = world.submit()["id"]
    member = world.as_("demo-member-a")
    assert member.post(f"/api/v1/requests/{rid}/whistle/report", {}).status == 403
    assert world.as_("demo-resident-2").post(f"/api/v1/requests/{rid}/whistle/report",
                                             {}).status == 404
