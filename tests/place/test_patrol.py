"""A member on patrol sorts and filters their task list by distance from where they stand."""

from __future__ import annotations

from server.place import coords
from tests.place.conftest import DEMO_POINT


def test_tasks_nearest_first_and_within_a_radius(world):
    far = world.submit(lat=DEMO_POINT[0] + 0.003, lng=DEMO_POINT[1])  # ~330 m north
    near = world.submit(lat=DEMO_POINT[0] + 0.0003, lng=DEMO_POINT[1])  # ~33 m north
    nowhere = world.submit()  # no point: last
    member = world.as_("demo-member-a")
    here = coords.from_wgs84(*DEMO_POINT, "gcj02")  # the phone's map gives GCJ-02
    path = f"/api/v1/tasks?scope=available&lat={here[0]}&lng={here[1]}&coord_system=gcj02"
    response = member.get(path)
    assert response.status == 200, response.body
    items = response.data["items"]
    assert [i["id"] for i in items] == [near["id"], far["id"], nowhere["id"]]
    assert abs(items[0]["distance_m"] - 33) <= 2 and items[2]["distance_m"] is None
    assert response.data["next_cursor"] is None
    within = member.get(path + "&within=100").data["items"]
    assert [i["id"] for i in within] == [near["id"]]
    plain = member.get("/api/v1/tasks?scope=available").data["items"]
    assert [i["id"] for i in plain] == [nowhere["id"], near["id"], far["id"]]  # newest first
    assert plain[0]["distance_m"] is None


def test_patrol_input_is_checked(world):
    member = world.as_("demo-member-a")
    assert member.get(f"/api/v1/tasks?lat={DEMO_POINT[0]}").status == 422
    assert member.get("/api/v1/tasks?within=100").status == 422
    assert member.get(f"/api/v1/tasks?lat={DEMO_POINT[0]}&lng={DEMO_POINT[1]}&within=0").status == 422
