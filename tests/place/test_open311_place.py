"""Open311: a request posted with only lat/long is placed; GET requests near a point."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.open311 import keys
from server.requests.models import Request
from tests.place.conftest import DEMO_POINT


def _key(clock) -> str:
    return keys.create(name="fixmystreet", now=clock.now())[1]


def test_a_request_posted_with_only_lat_and_long_lands_in_its_section(world, clock):
    response = world.client.post("/open311/v2/requests.json", data={
        "api_key": _key(clock), "service_code": "sanitation",
        "lat": str(DEMO_POINT[0]), "long": str(DEMO_POINT[1]), "description": "路灯不亮了，晚上很黑"})
    assert response.status_code == 201, response.get_data(as_text=True)
    request = db.session.scalar(select(Request))
    assert request.section_id == world.section.id and request.team_id == world.team_a.id
    assert request.coord_system == "wgs84" and request.cell is not None


def test_get_requests_near_a_point_within_a_radius(world, clock):
    near = world.submit(lat=DEMO_POINT[0], lng=DEMO_POINT[1])
    far = world.submit(lat=DEMO_POINT[0] + 0.0035, lng=DEMO_POINT[1])  # ~390 m north
    world.submit()  # no point at all: never near anything

    def ids(**params):
        response = world.client.get("/open311/v2/requests.json", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["service_request_id"] for item in response.get_json()]

    assert ids(lat=DEMO_POINT[0], long=DEMO_POINT[1]) == [near["no"]]
    assert set(ids(lat=DEMO_POINT[0], long=DEMO_POINT[1], radius=500)) == {near["no"], far["no"]}
    assert len(ids()) == 3
    item = world.client.get("/open311/v2/requests.json", query_string={
        "lat": DEMO_POINT[0], "long": DEMO_POINT[1]}).get_json()[0]
    assert (item["lat"], item["long"]) == (round(DEMO_POINT[0], 2), round(DEMO_POINT[1], 2))


def test_bad_nearby_parameters_are_400(world):
    for params in ({"lat": "45.8"}, {"lat": "north", "long": "123"}, {"lat": "45.8", "long": "123", "radius": "99999"},
                   {"lat": "nan", "long": "123"}):
        response = world.client.get("/open311/v2/requests.json", query_string=params)
        assert response.status_code == 400, params
