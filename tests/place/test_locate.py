"""Locating a point: the section it lies in, in any coordinate system, from a fresh index."""

from __future__ import annotations

from sqlalchemy import update

from server.extensions import db
from server.grid.models import Section
from server.place import coords, geometry, index
from tests.place.conftest import DEMO_POINT, square


def _locate(api, lat, lng, system=None):
    query = f"/api/v1/locate?lat={lat}&lng={lng}" + (f"&coord_system={system}" if system else "")
    return api.get(query)


def test_a_point_names_its_community_grid_and_section(world):
    response = _locate(world.as_("demo-resident"), *DEMO_POINT)
    assert response.status == 200, response.body
    assert response.data == {
        "community": {"id": world.community.id, "name": "庆生社区"},
        "grid": {"id": world.section.grid_id, "name": "第一网格"},
        "section": {"id": world.section.id, "name": "幸福小区片区"},
    }


def test_gcj02_and_bd09_points_land_in_the_same_section(world):
    resident = world.as_("demo-resident")
    for system in ("gcj02", "bd09"):
        sent = coords.from_wgs84(*DEMO_POINT, system)
        response = _locate(resident, *sent, system)
        assert response.status == 200 and response.data["section"]["id"] == world.section.id
    # The GCJ-02 point read as if it were WGS-84 is hundreds of metres off: not the same place.
    shifted = _locate(resident, *coords.from_wgs84(*DEMO_POINT, "gcj02"))
    assert shifted.status == 422 or shifted.data["section"]["id"] != world.section.id


def test_outside_every_section_is_a_422_naming_the_nearest_and_its_distance(world):
    shape = geometry.loads(db.session.get(Section, world.section.id).boundary)
    minx, miny, _maxx, _maxy = shape.bounds
    lat, lng = miny + 0.001, minx - 0.01  # about 780 m west of the demo section
    response = _locate(world.as_("demo-resident"), lat, lng)
    assert response.status == 422 and response.code == 42231
    nearest = response.body["errors"]["nearest"]
    assert nearest["section"]["id"] == world.section.id
    assert abs(nearest["distance_m"] - coords.distance_m(lat, lng, lat, minx)) < 2
    assert "幸福小区片区" in response.body["msg"]


def test_input_is_validated(world):
    resident = world.as_("demo-resident")
    assert _locate(resident, 95, 123.2).status == 422
    assert _locate(resident, *DEMO_POINT, "mars").status == 422
    assert resident.get(f"/api/v1/locate?lat={DEMO_POINT[0]}&lng={DEMO_POINT[1]}&x=1").status == 422
    assert _locate(world.as_(None), *DEMO_POINT).status == 401


def test_a_change_written_by_another_worker_is_seen_on_the_next_lookup(world):
    resident = world.as_("demo-resident")
    assert _locate(resident, *DEMO_POINT).data["section"]["id"] == world.section.id
    built = world.app.extensions["place_index"]["index"]
    # Another process moves the demo section far away and bumps the token, as an import does.
    db.session.execute(update(Section).where(Section.id == world.section.id).values(
        boundary=geometry.dumps(geometry.loads(str(square(123.3, 45.9)).replace("'", '"')))))
    index.bump(world.clock.now())
    db.session.commit()
    assert _locate(resident, *DEMO_POINT).status == 422
    assert world.app.extensions["place_index"]["index"] is not built
    assert _locate(resident, 45.9005, 123.3005).data["section"]["id"] == world.section.id


def test_the_index_is_reused_while_nothing_changes(world, count_queries):
    resident = world.as_("demo-resident")
    _locate(resident, *DEMO_POINT)
    built = world.app.extensions["place_index"]["index"]
    _locate(resident, *DEMO_POINT)
    assert world.app.extensions["place_index"]["index"] is built


def test_a_retired_section_is_not_located(world):
    db.session.execute(update(Section).where(Section.id == world.section.id).values(is_active=False))
    index.bump(world.clock.now())
    db.session.commit()
    response = _locate(world.as_("demo-resident"), *DEMO_POINT)
    assert response.status == 422 and response.body["errors"]["nearest"]["section"]["id"] != world.section.id


def test_retiring_a_section_through_the_administration_takes_it_out_of_the_index(world):
    resident = world.as_("demo-resident")
    assert _locate(resident, *DEMO_POINT).status == 200
    retired = world.as_("demo-admin").call("PATCH", f"/api/v1/admin/sections/{world.section.id}",
                                           json={"is_active": False})
    assert retired.status == 200, retired.body
    assert _locate(resident, *DEMO_POINT).status == 422
