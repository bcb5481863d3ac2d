"""Importing section boundaries: validate everything, write all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path

import shapely
from sqlalchemy import select

from server.admin.models import AuditEntry
from server.extensions import db
from server.grid.models import Section
from server.place import coords, geometry, index
from tests.place.conftest import collection, feature, square, upload

SEED = Path(__file__).resolve().parent.parent.parent / "seed" / "boundaries"
# An empty spot east of the demo communities (no stored boundary there).
FREE = (123.230, 45.842)


def _demo_shape(world):
    return geometry.loads(db.session.get(Section, world.section.id).boundary)


def test_the_demo_world_has_boundaries_and_reimporting_the_file_changes_nothing(world):
    admin = world.as_("demo-admin")
    token = index.current_token()
    before = db.session.get(Section, world.section.id).boundary
    response = upload(admin, (SEED / "demo.geojson").read_bytes(), "demo.geojson")
    assert response.status == 200, response.body
    assert response.data["counts"] == {"sections": 0, "grids": 0, "unchanged": 8}
    db.session.expire_all()
    assert db.session.get(Section, world.section.id).boundary == before
    assert index.current_token() == token  # nothing changed: no worker rebuilds


def test_a_file_with_errors_writes_nothing_and_lists_every_problem_in_both_languages(world):
    admin = world.as_("demo-admin")
    before = db.session.get(Section, world.section.id).boundary
    bowtie = {"type": "Polygon", "coordinates": [[[FREE[0], FREE[1]], [FREE[0] + 0.001, FREE[1] + 0.001],
                                                  [FREE[0] + 0.001, FREE[1]], [FREE[0], FREE[1] + 0.001],
                                                  [FREE[0], FREE[1]]]]}
    unclosed = square(*FREE)
    unclosed["coordinates"][0].pop()
    data = collection(
        feature(square(FREE[0] + 0.01, FREE[1]), community_code="QS", grid="第一网格", section="幸福小区片区"),
        feature(bowtie, community_code="QS", grid="第一网格", section="庆生家园片区"),
        feature(square(FREE[0] + 0.02, FREE[1]), community_code="QS", grid="第九网格", section="无此片区"),
        feature(square(FREE[0] + 0.03, FREE[1]), section="不存在的片区"),
        feature(unclosed, community_code="QS", grid="第二网格", section="建业小区片区"),
        feature({"type": "Point", "coordinates": list(FREE)}, community_code="QS", grid="第二网格",
                section="粮库家属楼片区"),
        feature(square(FREE[0] + 0.04, FREE[1]), community_code="QS", grid="第一网格", section="幸福小区片区"),
    )
    response = upload(admin, data)
    assert response.status == 422 and response.code == 42230
    problems = response.body["errors"]["features"]
    by_feature = {}
    for p in problems:
        by_feature.setdefault(p["feature"], []).append(p)
        assert p["reason"] and p["reason_en"]
    assert 1 not in by_feature  # the first feature is fine on its own
    assert "Self-intersection" in by_feature[2][0]["reason_en"] and "自相交" in by_feature[2][0]["reason"]
    assert "matches no place" in by_feature[3][0]["reason_en"]
    assert "matches no place" in by_feature[4][0]["reason_en"]
    assert "not closed" in by_feature[5][0]["reason_en"]
    assert "Polygon" in by_feature[6][0]["reason_en"]
    assert "same place as feature 1" in by_feature[7][0]["reason_en"]
    db.session.expire_all()
    assert db.session.get(Section, world.section.id).boundary == before


def test_a_name_found_in_several_places_asks_for_the_community_code(world):
    response = upload(world.as_("demo-admin"), collection(feature(square(*FREE), section="幸福小区片区",
                                                                  grid="第一网格", community="庆生社区"),
                                                          feature(square(FREE[0] + 0.01, FREE[1]),
                                                                  grid="第一网格", section="建设小区片区")))
    assert response.status == 200, response.body  # both are unique once the grid is named
    twice = upload(world.as_("demo-admin"), collection(feature(square(*FREE), grid="第一网格")))
    assert twice.status == 422
    assert "matches 2 places" in twice.body["errors"]["features"][0]["reason_en"]


def test_overlaps_are_measured_in_square_metres_and_slivers_are_tolerated(world, app):
    admin = world.as_("demo-admin")
    shape = _demo_shape(world)
    minx, miny, maxx, maxy = shape.bounds
    # 建设小区片区 (JS) moved onto the west edge of the demo section: 0.001° × 0.002° overlap.
    overlapping = square(minx - 0.001, miny, 0.002)
    response = upload(admin, collection(feature(overlapping, community_code="JS", section="建设小区片区")))
    assert response.status == 422
    problem = response.body["errors"]["features"][0]
    expected = geometry.area_m2(shapely.box(minx, miny, minx + 0.001, miny + 0.002))
    assert 10_000 < expected < 20_000
    assert "幸福小区片区" in problem["reason"] and "m²" in problem["reason"]
    assert f"{expected:.1f} m²" in problem["reason_en"]
    # A sliver of a few square metres is below the tolerance: imported, and said so.
    sliver = square(minx - 0.002 + 0.0000004, miny, 0.002)  # about 7 m²
    response = upload(admin, collection(feature(sliver, community_code="JS", section="建设小区片区")))
    assert response.status == 200, response.body
    assert response.data["counts"]["sections"] == 1
    assert "tolerated" in response.data["warnings"][0]["reason_en"]
    assert "已容许" in response.data["warnings"][0]["reason"]


def test_dry_run_counts_and_writes_nothing(world):
    token = index.current_token()
    data = collection(feature(square(*FREE), community_code="JS", grid="第一网格", section="文化路片区"))
    response = upload(world.as_("demo-admin"), data, query="?dry_run=true")
    assert response.status == 200 and response.data["dry_run"] is True
    assert response.data["counts"]["sections"] == 1
    assert index.current_token() == token
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "boundaries.import",
                                                      AuditEntry.actor_id.is_not(None))) is None


def test_a_gcj02_file_is_stored_in_wgs84_and_audited(world):
    wgs = (45.842, 123.230)
    gcj_lat, gcj_lng = coords.wgs84_to_gcj02(*wgs)
    data = collection(feature(square(gcj_lng, gcj_lat), community_code="JS", section="文化路片区"))
    response = upload(world.as_("demo-admin"), data, query="?coord_system=gcj02")
    assert response.status == 200, response.body
    db.session.expire_all()
    section = db.session.scalar(select(Section).where(Section.name == "文化路片区"))
    assert abs(section.min_lat - wgs[0]) < 1e-6 and abs(section.min_lng - wgs[1]) < 1e-6
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "boundaries.import",
                                                       AuditEntry.actor_id.is_not(None)))
    assert entry.actor_id == world.user("demo-admin").id and entry.data["coord_system"] == "gcj02"


def test_kml_placemarks_with_extended_data_or_a_path_name(world):
    lng, lat = FREE
    ring = f"{lng},{lat},0 {lng + 0.001},{lat},0 {lng + 0.001},{lat + 0.001},0 {lng},{lat + 0.001},0 {lng},{lat},0"
    ring2 = ring.replace(f"{lng},", f"{lng + 0.002:.3f},").replace(f"{lng + 0.001},", f"{lng + 0.003:.3f},")
    kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>文化路</name><ExtendedData><Data name="community_code"><value>JS</value></Data>
<Data name="section"><value>文化路片区</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark>
<Placemark><name>JS/第一网格/建设小区片区</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring2}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>""".encode()
    response = upload(world.as_("demo-admin"), kml, "sections.kml")
    assert response.status == 200, response.body
    assert response.data["counts"]["sections"] == 2


def test_xml_entities_are_refused(world):
    bomb = b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>'
    response = upload(world.as_("demo-admin"), bomb, "bomb.kml")
    assert response.status == 422 and "KML" in response.body["errors"]["features"][0]["reason_en"]


def test_only_the_admin_imports_boundaries(world):
    data = collection(feature(square(*FREE), community_code="JS", section="文化路片区"))
    assert upload(world.as_("demo-committee"), data).status == 403
    assert upload(world.as_(None), data).status == 401


def test_the_command_imports_the_sample_boundaries_after_the_sample_structure(world, app):
    runner = app.test_cli_runner()
    sample = str(SEED.parent / "structure_sample.xlsx")
    assert runner.invoke(args=["import", "structure", sample]).exit_code == 0
    path = str(SEED / "structure_sample.geojson")
    dry = runner.invoke(args=["import", "boundaries", path, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    first = runner.invoke(args=["import", "boundaries", path])
    assert first.exit_code == 0, first.output
    assert "sections 38" in first.output
    again = runner.invoke(args=["import", "boundaries", path])
    assert "sections 0" in again.output and "unchanged 38" in again.output
    broken = SEED.parent.parent / "no-such-place.geojson"
    assert runner.invoke(args=["import", "boundaries", str(broken)]).exit_code != 0


def _zipped_shapefile(polygons: list[tuple[dict, dict]], *, encoding: str = "utf-8",
                      cpg: bool = True, prj: str | None = None) -> bytes:
    """A Shapefile as GIS tools zip it: .shp, .shx, .dbf (and .cpg, .prj)."""
    import io
    import zipfile

    import shapefile

    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON,
                          encoding=encoding) as writer:
        names = list(dict.fromkeys(name for _g, properties in polygons for name in properties))
        for name in names:
            writer.field(name, "C", size=40)
        for geometry, properties in polygons:
            writer.poly(geometry["coordinates"])
            writer.record(*(properties.get(name, "") for name in names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for suffix, part in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            archive.writestr(f"片区/sections.{suffix}", part.getvalue())
        if cpg:
            archive.writestr("片区/sections.cpg", encoding.upper())
        if prj:
            archive.writestr("片区/sections.prj", prj)
    return out.getvalue()


def test_a_zipped_shapefile_imports_like_geojson(world):
    lng, lat = FREE
    first = square(lng, lat)
    second = square(lng + 0.002, lat)
    # DBF field names hold at most 10 bytes: `code`, `grid`, `section` (or 片区 and the like)
    rows = [(first, {"code": "JS", "片区": "文化路片区"}),
            (second, {"code": "JS", "grid": "第一网格", "片区": "建设小区片区"})]
    admin = world.as_("demo-admin")
    for encoding, cpg in (("utf-8", True), ("gbk", True), ("gbk", False)):  # GBK without .cpg too
        response = upload(admin, _zipped_shapefile(rows, encoding=encoding, cpg=cpg), "sections.zip",
                          query="?dry_run=true")
        assert response.status == 200, (encoding, cpg, response.body)
        assert response.data["counts"]["sections"] == 2
    response = upload(admin, _zipped_shapefile(rows), "sections.zip")
    assert response.status == 200, response.body
    db.session.expire_all()
    stored = db.session.scalar(select(Section).where(Section.name == "文化路片区"))
    expected = shapely.geometry.shape(first)  # stored to 7 decimals (about 1 cm)
    assert geometry.loads(stored.boundary).symmetric_difference(expected).area < 1e-12
    again = upload(admin, _zipped_shapefile(rows), "sections.zip")
    assert again.data["counts"] == {"sections": 0, "grids": 0, "unchanged": 2}


def test_a_shapefile_that_cannot_be_used_is_refused_with_a_reason(world):
    admin = world.as_("demo-admin")
    before = db.session.scalar(select(Section).where(Section.name == "文化路片区")).boundary
    rows = [(square(*FREE), {"code": "JS", "片区": "文化路片区"})]
    projected = _zipped_shapefile(rows, prj='PROJCS["CGCS2000_3_Degree_GK_CM_123E"]')
    cases = {
        b"not a zip": "not a valid zip archive",
        projected: "projected coordinates",
        _zip_without("dbf", _zipped_shapefile(rows)): "the .dbf file beside the .shp is missing",
    }
    for data, reason in cases.items():
        response = upload(admin, data, "sections.zip")
        assert response.status == 422, response.body
        assert reason in response.body["errors"]["features"][0]["reason_en"]
    db.session.expire_all()
    assert db.session.scalar(select(Section).where(Section.name == "文化路片区")).boundary == before


def _zip_without(suffix: str, data: bytes) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if not info.filename.endswith(suffix):
                target.writestr(info.filename, source.read(info))
    return out.getvalue()


def _sectionless_grid(world, name: str):
    from server.grid.models import Grid

    grid = Grid(community_id=world.other_community.id, name=name, is_active=True)
    db.session.add(grid)
    db.session.commit()
    return grid


def test_a_grid_without_sections_takes_its_own_shape_and_overlaps_are_checked_for_it(world):
    from server.grid.models import Grid

    grid = _sectionless_grid(world, "第九网格")
    admin = world.as_("demo-admin")
    own = square(FREE[0] + 0.01, FREE[1], size=0.002)
    response = upload(admin, collection(feature(own, community_code="JS", grid="第九网格")))
    assert response.status == 200, response.body
    assert response.data["counts"] == {"sections": 0, "grids": 1, "unchanged": 0}
    db.session.expire_all()
    stored = geometry.loads(db.session.get(Grid, grid.id).boundary)
    assert stored.symmetric_difference(shapely.geometry.shape(own)).area < 1e-12
    # Another sectionless grid may not cover it, nor may a section: grids count as places.
    _sectionless_grid(world, "第十网格")
    covering = upload(admin, collection(feature(square(FREE[0] + 0.011, FREE[1] + 0.001),
                                                community_code="JS", grid="第十网格")))
    assert covering.status == 422
    reasons = [p["reason_en"] for p in covering.body["errors"]["features"]]
    assert any("'第九网格' (stored)" in r and "m²" in r for r in reasons), reasons
    section = upload(admin, collection(feature(square(FREE[0] + 0.011, FREE[1] + 0.001),
                                               community_code="JS", section="文化路片区")))
    assert section.status == 422 and "第九网格" in section.body["errors"]["features"][0]["reason_en"]
