"""The community's map: sections coloured by light, coarse dots, a GeoJSON twin, in Chromium."""

from __future__ import annotations

import re

from tests.conftest import LoopbackServer
from tests.place.conftest import DEMO_POINT, SECOND_SECTION_POINT
from tests.sunlight.test_browser import ARTIFACTS, _chromium, _run


def _submit_some(world, clock):
    first = world.submit(lat=DEMO_POINT[0], lng=DEMO_POINT[1])
    world.submit(lat=DEMO_POINT[0] + 0.0001, lng=DEMO_POINT[1] + 0.0001)
    other = world.community.grids[0].sections[1]
    late = world.submit(section_id=other.id, lat=SECOND_SECTION_POINT[0], lng=SECOND_SECTION_POINT[1])
    world.submit()  # no point: counted in its section, drawn at the section's own point
    return first, late


def test_the_geojson_twin_has_one_feature_per_section_with_counts_and_no_points(world, clock):
    _submit_some(world, clock)
    response = world.client.get(f"/api/v1/public/communities/{world.community.id}/map.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert "max-age" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    sections = [s for g in world.community.grids for s in g.sections]
    assert [f["properties"]["section_id"] for f in body["features"]] == [s.id for s in sections]
    demo = next(f for f in body["features"] if f["properties"]["section_id"] == world.section.id)
    assert demo["geometry"]["type"] == "Polygon"
    assert demo["properties"]["grid_id"] == world.section.grid_id
    assert demo["properties"]["name"] == "幸福小区片区"
    assert demo["properties"]["open"] == 3 and demo["properties"]["light"] == "green"
    text = response.get_data(as_text=True)
    assert str(DEMO_POINT[0]) not in text and str(DEMO_POINT[1] + 0.0001) not in text
    assert world.client.get("/api/v1/public/communities/999999/map.geojson").status_code == 404


def test_the_page_draws_sections_by_light_and_dots_no_finer_than_a_block(world, clock):
    _first, late = _submit_some(world, clock)
    clock.advance(days=30)  # everything is overdue now: red
    html = world.client.get(f"/sunlight/communities/{world.community.id}").get_data(as_text=True)
    svg = re.search(r'<svg[^>]*class="chart map".*?</svg>', html, re.S).group(0)
    assert svg.count('class="section light-red"') == 2  # the two sections with requests
    assert svg.count('class="section light-none"') == 4
    # The first two share a block and a light: one dot standing for both, drawn larger.
    dots = re.findall(r'<circle [^>]*class="dot" data-count="(\d+)"><title>([^<]*)</title>', svg)
    assert sorted(int(n) for n, _ in dots) == [1, 1, 2]
    assert ("2", "红灯 在办 2 件") in dots
    radii = {n: float(r) for r, n in re.findall(r'r="([\d.]+)"[^>]*data-count="(\d+)"', svg)}
    assert radii["2"] > radii["1"]
    assert "<script" not in html.lower() and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert str(DEMO_POINT[0]) not in html and str(DEMO_POINT[1]) not in html


def test_no_map_before_boundaries(world, clock):
    from sqlalchemy import update

    from server.extensions import db
    from server.grid.models import Section

    db.session.execute(update(Section).values(boundary=None))
    db.session.commit()
    html = world.client.get(f"/sunlight/communities/{world.community.id}").get_data(as_text=True)
    assert 'id="map"' not in html


def test_the_map_in_headless_chromium(world, clock, tmp_path):
    binary = _chromium()
    _submit_some(world, clock)
    with LoopbackServer(world.app) as server:
        url = f"{server.url}/sunlight/communities/{world.community.id}"
        dom = _run(binary, tmp_path / "profile", "--dump-dom", url)
        assert dom.returncode == 0, dom.stderr[-2000:]
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"sunlight-map-{world.app.db_kind}.png"
        shot.unlink(missing_ok=True)
        picture = _run(binary, tmp_path / "profile2", f"--screenshot={shot}", url + "#map")
        assert picture.returncode == 0, picture.stderr[-2000:]
    html = dom.stdout
    assert "片区地图" in html
    assert len(re.findall(r'<path d="M', html)) == 6 and len(re.findall(r'class="dot"', html)) == 3
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_geojson_twin_by_grid_and_for_the_whole_community(world, clock):
    import shapely

    _submit_some(world, clock)
    base = f"/api/v1/public/communities/{world.community.id}/map.geojson"
    by_section = world.client.get(base).get_json()["features"]
    by_grid = world.client.get(base + "?level=grid").get_json()["features"]
    grids = world.community.grids
    assert [f["properties"]["grid_id"] for f in by_grid] == [g.id for g in grids]
    first = by_grid[0]
    members = [shapely.geometry.shape(f["geometry"]) for f in by_section
               if f["properties"]["grid_id"] == grids[0].id]
    union = shapely.geometry.shape(first["geometry"])
    assert abs(union.area - shapely.union_all(members).area) < 1e-12  # the union of its sections
    assert all(union.buffer(1e-9).contains(m) for m in members)
    assert first["properties"]["open"] == sum(
        f["properties"]["open"] for f in by_section if f["properties"]["grid_id"] == grids[0].id) == 4
    whole = world.client.get(base + "?level=community").get_json()["features"]
    assert len(whole) == 1 and whole[0]["properties"]["community_id"] == world.community.id
    assert whole[0]["properties"]["open"] == 4 and whole[0]["properties"]["light"] == "green"
    everything = shapely.geometry.shape(whole[0]["geometry"])
    assert all(everything.buffer(1e-9).contains(shapely.geometry.shape(f["geometry"]))
               for f in by_grid if f["geometry"])
    text = world.client.get(base + "?level=grid").get_data(as_text=True)
    assert str(DEMO_POINT[0]) not in text  # still no request's point
    assert world.client.get(base + "?level=street").status_code == 422


def test_a_grid_without_sections_is_drawn_by_its_own_polygon(world, clock):
    import shapely

    from server.extensions import db
    from server.grid.models import Grid

    square = shapely.geometry.box(123.30, 45.90, 123.31, 45.91)
    grid = Grid(community_id=world.community.id, name="新建网格", is_active=True,
                boundary=shapely.to_geojson(square))
    db.session.add(grid)
    db.session.commit()
    base = f"/api/v1/public/communities/{world.community.id}/map.geojson"
    own = next(f for f in world.client.get(base + "?level=grid").get_json()["features"]
               if f["properties"]["grid_id"] == grid.id)
    assert shapely.geometry.shape(own["geometry"]).equals(square)
    assert own["properties"]["open"] == 0 and own["properties"]["light"] == "none"
