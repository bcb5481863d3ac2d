"""Internal steps of the timeline (report-back) are not published as Open311 updates."""

from __future__ import annotations


def test_updates_skip_a_reported_back_whistle(world):
    rid = world.submit()["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    committee = world.as_("demo-committee")
    assert committee.post(f"/api/v1/requests/{rid}/escalate",
                          {"department": "housing", "note": "需要维修"}).status == 200
    assert committee.post(f"/api/v1/requests/{rid}/whistle/report", {"note": "已到场"}).status == 200
    response = world.client.get("/open311/v2/servicerequestupdates.json")
    assert response.status_code == 200
    statuses = [u["status"] for u in response.get_json()]
    assert statuses == ["OPEN", "ACTION_SCHEDULED", "INTERNAL_REFERRAL"]
