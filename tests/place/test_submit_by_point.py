"""Submitting by point: the section comes from the point; a far point is flagged, not trusted."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.place import cells, coords
from server.requests.models import Request
from tests.place.conftest import DEMO_POINT, SECOND_SECTION_POINT

BODY = {"category_code": "sanitation", "description": "楼道里堆满了杂物，影响通行"}


def test_a_gcj02_point_picked_on_the_map_lands_in_its_section_and_team(world):
    lat, lng = coords.from_wgs84(*DEMO_POINT, "gcj02")  # what wx.chooseLocation gives
    response = world.as_("demo-resident").post("/api/v1/requests", {
        **BODY, "lat": lat, "lng": lng, "coord_system": "gcj02"})
    assert response.status == 201, response.body
    assert response.data["section_id"] == world.section.id
    assert response.data["team_id"] == world.team_a.id and response.data["hop"] == "A"
    request = db.session.get(Request, response.data["id"])
    assert abs(request.lat - DEMO_POINT[0]) < 1e-7 and abs(request.lng - DEMO_POINT[1]) < 1e-7
    assert (request.sent_lat, request.sent_lng, request.coord_system) == (lat, lng, "gcj02")
    assert request.cell == cells.cell_of(*DEMO_POINT)
    assert request.place_mismatch_m is None


def test_a_point_outside_every_section_is_refused_naming_the_nearest(world):
    response = world.as_("demo-resident").post("/api/v1/requests", {**BODY, "lat": 45.90, "lng": 123.40})
    assert response.status == 422 and response.code == 42231
    assert response.body["errors"]["nearest"]["distance_m"] > 1000
    assert db.session.scalar(select(Request)) is None


def test_neither_section_nor_point_nor_half_a_point(world):
    resident = world.as_("demo-resident")
    assert resident.post("/api/v1/requests", BODY).status == 422
    assert resident.post("/api/v1/requests", {**BODY, "lat": DEMO_POINT[0]}).status == 422
    assert resident.post("/api/v1/requests", {**BODY, "lat": DEMO_POINT[0], "lng": DEMO_POINT[1],
                                              "coord_system": "utm"}).status == 422


def test_a_named_section_with_a_point_inside_or_near_it_is_trusted(world):
    created = world.submit(lat=DEMO_POINT[0], lng=DEMO_POINT[1])
    assert created["place_mismatch_m"] is None


def test_a_point_far_outside_the_named_section_is_flagged_to_the_committee(world):
    # The other section of the demo grid is named, the point lies in the demo section.
    other = world.community.grids[0].sections[1]
    far = (DEMO_POINT[0] - 0.01, DEMO_POINT[1])  # about 1.1 km south of both
    created = world.submit(section_id=other.id, lat=far[0], lng=far[1])
    assert created["section_id"] == other.id  # the resident's choice stands ...
    assert created["place_mismatch_m"] > 900  # ... with the distance for the committee
    assert created["timeline"][0]["data"]["place_mismatch_m"] == created["place_mismatch_m"]
    desk = world.as_("demo-committee").get("/api/v1/review").data["items"]
    assert [r["id"] for r in desk] == [created["id"]]
    near = world.submit(section_id=other.id, lat=SECOND_SECTION_POINT[0], lng=SECOND_SECTION_POINT[1])
    assert near["place_mismatch_m"] is None
    assert [r["id"] for r in world.as_("demo-committee").get("/api/v1/review").data["items"]] == [created["id"]]


def test_the_exact_point_is_never_public_and_retention_clears_it(world, clock):
    from server.retention.service import anonymise_closed
    from tests.factories import close_request

    created = world.submit(lat=DEMO_POINT[0], lng=DEMO_POINT[1], public=True)
    page = world.client.get(f"/sunlight/requests/{created['no']}").get_data(as_text=True)
    public = world.client.get(f"/api/v1/public/requests/{created['no']}").get_data(as_text=True)
    for text in (page, public):
        assert str(DEMO_POINT[0]) not in text and str(DEMO_POINT[1]) not in text
    close_request(world, created["id"])
    clock.advance(days=world.app.config["RETENTION_DAYS"] + 1)
    anonymise_closed(clock.now())
    db.session.expire_all()
    request = db.session.get(Request, created["id"])
    assert (request.lat, request.lng, request.sent_lat, request.sent_lng, request.cell) == (None,) * 5
