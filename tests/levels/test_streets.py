"""Levels above the community: streets as rows, the district text migrated into them, the
street and county roles, and what their staff may see of a request."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from server import create_app
from server.accounts.models import RoleGrant
from server.admin.models import AuditEntry
from server.extensions import db
from server.grid.models import Community, Street
from tests.admin.conftest import csv_bytes, upload


def test_the_demo_county_has_two_streets_and_their_staff_log_in(world):
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    assert [s.name for s in streets] == ["镇赉镇", "建平乡"]
    assert world.community.street_id == streets[0].id
    assert world.other_community.street_id == streets[1].id
    me = world.as_("demo-street").get("/api/v1/me").data
    assert "street" in me["roles"] and me["street_of"] == [streets[0].id]
    county = world.as_("demo-county").get("/api/v1/me").data
    assert "county" in county["roles"] and county["street_of"] == []
    # The public places API names each community's street.
    places = world.as_(None).get(f"/api/v1/communities/{world.community.id}").data
    assert (places["street_id"], places["district"]) == (streets[0].id, "镇赉镇")


def test_admin_creates_edits_and_retires_a_street_with_an_audit_trail(world):
    admin = world.as_("demo-admin")
    created = admin.post("/api/v1/admin/streets", {"code": "tt", "name": "坦途镇"})
    assert created.status == 201 and created.data["code"] == "TT"
    street_id = created.data["id"]
    again = admin.post("/api/v1/admin/streets", {"code": "TT2", "name": "坦途镇"})
    assert again.status == 409
    renamed = admin.call("PATCH", f"/api/v1/admin/streets/{street_id}", json={"name": "坦途镇政府"})
    assert renamed.status == 200 and renamed.data["name"] == "坦途镇政府"
    moved = admin.call("PATCH", f"/api/v1/admin/communities/{world.other_community.id}",
                       json={"street_id": street_id})
    assert moved.status == 200 and moved.data["district"] == "坦途镇政府"
    retired = admin.call("PATCH", f"/api/v1/admin/streets/{street_id}", json={"is_active": False})
    assert retired.status == 200 and retired.data["is_active"] is False
    # A retired street keeps its communities but takes no new one.
    refused = admin.post("/api/v1/admin/communities",
                         {"code": "NEW1", "name": "新社区", "street_id": street_id})
    assert refused.status == 422 and "street_id" in refused.body["errors"]
    assert db.session.get(Community, world.other_community.id).street_id == street_id
    listed = admin.get("/api/v1/admin/streets").data["items"]
    assert [s["name"] for s in listed] == ["镇赉镇", "建平乡", "坦途镇政府"]
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject.in_(["street", "community"])).order_by(AuditEntry.id)).all()
    assert actions == ["street.create", "street.update", "community.update", "street.retire"]
    # Nobody but the admin manages streets.
    for openid in ("demo-committee", "demo-street", "demo-county"):
        assert world.as_(openid).post("/api/v1/admin/streets",
                                      {"code": "X1", "name": "某镇"}).status == 403


def test_street_and_county_roles_are_granted_and_revoked_with_an_audit_trail(world):
    admin = world.as_("demo-admin")
    user_id = world.user("demo-resident-2").id
    street_id = world.community.street_id
    missing = admin.post("/api/v1/admin/roles/grant", {"role": "street", "user_id": user_id})
    assert missing.status == 422 and "street_id" in missing.body["errors"]
    granted = admin.post("/api/v1/admin/roles/grant",
                         {"role": "street", "user_id": user_id, "street_id": street_id})
    assert granted.status == 200 and granted.data["street_id"] == street_id
    county = admin.post("/api/v1/admin/roles/grant", {"role": "county", "user_id": user_id})
    assert county.status == 200
    grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id)).all()
    assert {(g.role, g.street_id) for g in grants} >= {("street", street_id), ("county", None)}
    revoked = admin.post("/api/v1/admin/roles/revoke",
                         {"role": "street", "user_id": user_id, "street_id": street_id})
    assert revoked.status == 200
    assert admin.post("/api/v1/admin/roles/revoke", {"role": "street", "user_id": user_id,
                                                     "street_id": street_id}).status == 404
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.user_id == user_id, AuditEntry.subject == "role").order_by(AuditEntry.id)).all()
    assert [(e.action, e.data["role"], e.data.get("street_id")) for e in entries] == [
        ("role.grant", "street", street_id), ("role.grant", "county", None),
        ("role.revoke", "street", street_id)]


def test_street_staff_see_the_requests_of_their_street_and_the_county_sees_all(world):
    ours = world.submit()
    other_section = world.other_community.grids[0].sections[0]
    theirs = world.submit(section_id=other_section.id, address=None)
    street, county = world.as_("demo-street"), world.as_("demo-county")
    assert street.get(f"/api/v1/requests/{ours['id']}").status == 200
    assert street.get(f"/api/v1/requests/{theirs['id']}").status == 404
    assert county.get(f"/api/v1/requests/{theirs['id']}").status == 200
    # Seeing is not reviewing: the committee's actions stay the committee's.
    assert street.post(f"/api/v1/requests/{ours['id']}/reject", {"reason": "无效"}).status == 403
    assert county.post(f"/api/v1/requests/{ours['id']}/approve").status == 403
    # Demoted staff lose the view at once.
    admin = world.as_("demo-admin")
    assert admin.post("/api/v1/admin/roles/revoke", {
        "role": "street", "user_id": world.user("demo-street").id,
        "street_id": world.community.street_id}).status == 200
    assert street.get(f"/api/v1/requests/{ours['id']}").status == 404


def test_the_structure_import_places_communities_in_streets(world):
    admin = world.as_("demo-admin")
    rows = [["WH", "文化社区", "坦途镇", "第一网格", "阳光片区", "", "", ""],
            ["ZQ", "站前社区", "镇赉镇", "第一网格", "", "", "", ""]]
    report = upload(admin, csv_bytes(rows), "s.csv")
    assert report.status == 200, report.body
    assert report.data["counts"]["streets"] == 1
    by_code = {c.code: c for c in db.session.scalars(select(Community))}
    assert by_code["WH"].district == "坦途镇" and by_code["ZQ"].street_id == world.community.street_id
    # The same file again changes nothing; one community in two streets is refused.
    assert upload(admin, csv_bytes(rows), "s.csv").data["counts"]["streets"] == 0
    bad = upload(admin, csv_bytes([*rows, ["WH", "文化社区", "镇赉镇", "", "", "", "", ""]]), "s.csv")
    assert bad.status == 422
    assert [r["column"] for r in bad.body["errors"]["rows"]] == ["street"]


@pytest.mark.sqlite_only
def test_the_migration_turns_district_text_into_streets(app, tmp_path):
    """Communities of the first milestone named their street in free text: each distinct text
    becomes a street, and the communities move under it."""
    fresh = create_app({"TESTING": True, "WECHAT_FAKE": False,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with fresh.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            for code, district in (("A1", "镇赉镇"), ("A2", " 镇赉镇 "), ("A3", "建平乡"),
                                   ("A4", None)):
                conn.execute(text("INSERT INTO communities (code, name, district, is_active) "
                                  "VALUES (:c, :c, :d, true)"), {"c": code, "d": district})
        upgrade()
        with db.engine.connect() as conn:
            streets = dict(conn.execute(text("SELECT name, id FROM streets")).all())
            placed = dict(conn.execute(text("SELECT code, street_id FROM communities")).all())
            codes = sorted(conn.execute(text("SELECT code FROM streets")).scalars())
        assert set(streets) == {"镇赉镇", "建平乡"} and codes == ["S001", "S002"]
        assert placed == {"A1": streets["镇赉镇"], "A2": streets["镇赉镇"],
                          "A3": streets["建平乡"], "A4": None}
        db.engine.dispose()
