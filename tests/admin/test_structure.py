"""The admin stands up and maintains places, teams and the catalogue; retiring keeps the past."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts.models import RoleGrant
from server.admin.models import AuditEntry
from server.extensions import db
from server.grid.models import Team


def test_admin_builds_a_community_with_grids_sections_and_their_teams(world, admin):
    street = admin.post("/api/v1/admin/streets", {"code": "tt", "name": "坦途镇"})
    assert street.status == 201, street.body
    created = admin.post("/api/v1/admin/communities",
                         {"code": "wh", "name": "文化社区", "street_id": street.data["id"]})
    assert created.status == 201, created.body
    cid = created.data["id"]
    assert created.data["code"] == "WH"
    assert (created.data["street_id"], created.data["district"]) == (street.data["id"], "坦途镇")
    grid = admin.post(f"/api/v1/admin/communities/{cid}/grids", {"name": "第一网格"})
    assert grid.status == 201
    section = admin.post(f"/api/v1/admin/grids/{grid.data['id']}/sections", {"name": "阳光片区"})
    assert section.status == 201

    tree = admin.get(f"/api/v1/admin/communities/{cid}")
    assert [g["name"] for g in tree.data["grids"]] == ["第一网格"]
    assert [s["name"] for s in tree.data["grids"][0]["sections"]] == ["阳光片区"]
    posts = {(t["post"], t["grid_id"], t["section_id"]) for t in tree.data["teams"]}
    assert posts == {("A", grid.data["id"], None), ("B", None, section.data["id"])}

    # The public places API shows it at once, and residents can file requests there.
    public = world.as_(None).get(f"/api/v1/communities/{cid}")
    assert public.data["grids"][0]["sections"][0]["id"] == section.data["id"]
    # A team nobody serves on passes its work on (to the committee here) ...
    assert world.submit(section_id=section.data["id"])["hop"] == "committee"
    # ... and once it has a member it takes the requests of its grid.
    team_a = db.session.scalar(select(Team).where(Team.grid_id == grid.data["id"]))
    added = admin.post(f"/api/v1/admin/teams/{team_a.id}/members",
                       {"user_id": world.user("demo-member-a").id})
    assert added.status == 200, added.body
    request = world.submit(section_id=section.data["id"])
    assert request["team_id"] == team_a.id and request["hop"] == "A"

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries][:4] == ["street.create", "community.create", "grid.create",
                                               "section.create"]
    assert {e.actor_id for e in entries} == {world.user("demo-admin").id}
    assert entries[0].created_at == world.clock.now()


def test_duplicates_are_conflicts_and_bad_bodies_are_422(world, admin):
    assert admin.post("/api/v1/admin/communities", {"code": "QS", "name": "重复"}).status == 409
    grid = world.community.grids[0]
    dup = admin.post(f"/api/v1/admin/communities/{world.community.id}/grids", {"name": grid.name})
    assert dup.status == 409
    assert admin.post("/api/v1/admin/communities", {"code": "Q-S", "name": "x"}).status == 422
    assert admin.post("/api/v1/admin/communities",
                      {"code": "NEW", "name": "x", "is_active": False}).status == 422
    assert admin.post("/api/v1/admin/teams", {"grid_id": grid.id}).status == 409
    assert admin.post("/api/v1/admin/teams", {}).status == 422
    assert admin.get("/api/v1/admin/communities/99999999999").status == 404


@pytest.mark.parametrize("openid", ["demo-resident", "demo-member-a", "demo-committee"])
def test_only_admins_manage_places_and_catalogue(world, openid):
    api = world.as_(openid)
    cid = world.community.id
    grid_id = world.community.grids[0].id
    calls = [
        ("POST", "/api/v1/admin/communities", {"code": "ZZ", "name": "某社区"}),
        ("PATCH", f"/api/v1/admin/communities/{cid}", {"name": "改名"}),
        ("POST", f"/api/v1/admin/communities/{cid}/grids", {"name": "第九网格"}),
        ("PATCH", f"/api/v1/admin/grids/{grid_id}", {"is_active": False}),
        ("POST", "/api/v1/admin/categories", {"code": "x", "name": "x", "accept_minutes": 5,
                                              "resolve_hours": 5, "dispatch_order": ["A"]}),
        ("GET", "/api/v1/admin/audit", None),
        ("GET", "/api/v1/admin/communities", None),
    ]
    for method, path, body in calls:
        response = api.call(method, path, json=body)
        assert response.status == 403, (method, path, response.body)
    assert world.community.name == "庆生社区" and world.community.grids[0].is_active


def test_a_demoted_admin_loses_the_power_at_once(world, admin):
    assert admin.get("/api/v1/admin/communities").status == 200
    db.session.execute(RoleGrant.__table__.delete().where(
        RoleGrant.user_id == world.user("demo-admin").id, RoleGrant.role == "admin"))
    db.session.commit()
    assert admin.get("/api/v1/admin/communities").status == 403


def test_a_retired_grid_takes_no_new_requests_and_keeps_its_past(world, admin):
    old = world.submit()
    grid = world.section.grid
    retired = admin.call("PATCH", f"/api/v1/admin/grids/{grid.id}", json={"is_active": False})
    assert retired.status == 200 and retired.data["is_active"] is False

    refused = world.as_("demo-resident").post("/api/v1/requests", {
        "category_code": "sanitation", "description": "楼道堆物影响通行",
        "section_id": world.section.id})
    assert refused.status == 422
    listed = world.as_(None).get(f"/api/v1/communities/{world.community.id}").data["grids"]
    assert grid.id not in [g["id"] for g in listed]
    # Past requests stay readable by their owner and the committee; nothing was deleted.
    assert world.as_("demo-resident").get(f"/api/v1/requests/{old['id']}").status == 200
    assert world.as_("demo-committee").get(f"/api/v1/requests/{old['id']}").status == 200
    tree = admin.get(f"/api/v1/admin/communities/{world.community.id}").data
    assert tree["grids"][0]["id"] == grid.id and tree["grids"][0]["is_active"] is False

    restored = admin.call("PATCH", f"/api/v1/admin/grids/{grid.id}", json={"is_active": True})
    assert restored.data["is_active"] is True
    world.submit()
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["grid.retire", "grid.restore"]


def test_a_retired_section_or_community_takes_no_new_requests(world, admin):
    body = {"category_code": "sanitation", "description": "楼道堆物影响通行",
            "section_id": world.section.id}
    resident = world.as_("demo-resident")
    admin.call("PATCH", f"/api/v1/admin/sections/{world.section.id}", json={"is_active": False})
    assert resident.post("/api/v1/requests", body).status == 422
    admin.call("PATCH", f"/api/v1/admin/sections/{world.section.id}", json={"is_active": True})
    assert resident.post("/api/v1/requests", body).status == 201
    admin.call("PATCH", f"/api/v1/admin/communities/{world.community.id}",
               json={"is_active": False})
    assert resident.post("/api/v1/requests", body).status == 422


def test_a_retired_team_is_skipped_by_dispatch(world, admin):
    admin.call("PATCH", f"/api/v1/admin/teams/{world.team_a.id}", json={"is_active": False})
    request = world.submit()
    assert request["hop"] == "B" and request["team_id"] == world.team_b.id


def test_categories_with_deadlines_and_a_validated_dispatch_order(world, admin):
    created = admin.post("/api/v1/admin/categories", {
        "code": "snow", "name": "清雪除冰", "accept_minutes": 20, "resolve_hours": 6,
        "dispatch_order": ["B", "A", "committee"]})
    assert created.status == 201, created.body
    assert created.data["dispatch_order"] == ["B", "A", "committee"]
    request = world.submit(category_code="snow")
    assert request["hop"] == "B"

    for order in (["A", "A"], ["committee", "A"], ["C"], []):
        bad = admin.call("PATCH", f"/api/v1/admin/categories/{created.data['id']}",
                         json={"dispatch_order": order})
        assert bad.status == 422, order
        assert "dispatch_order" in bad.body["errors"]
    patched = admin.call("PATCH", f"/api/v1/admin/categories/{created.data['id']}",
                         json={"resolve_hours": 12, "is_active": False})
    assert patched.data["resolve_hours"] == 12
    codes = [c["code"] for c in world.as_(None).get("/api/v1/categories").data]
    assert "snow" not in codes
    listed = admin.get("/api/v1/admin/categories?limit=100").data["items"]
    assert "snow" in [c["code"] for c in listed]
    assert admin.post("/api/v1/admin/categories", {
        "code": "snow", "name": "x", "accept_minutes": 1, "resolve_hours": 1,
        "dispatch_order": ["A"]}).status == 409


def test_renaming_onto_a_taken_name_is_a_conflict_not_an_error(world, admin):
    first, second = world.community.grids[0], world.community.grids[1]
    response = admin.call("PATCH", f"/api/v1/admin/grids/{second.id}", json={"name": first.name})
    assert response.status == 409 and response.code == 40910
    assert admin.call("PATCH", f"/api/v1/admin/grids/{second.id}",
                      json={"name": None}).status == 422
    assert db.session.scalar(select(AuditEntry)) is None


def test_admin_manages_departments_and_a_retired_one_takes_no_whistle(world, admin):
    created = admin.post("/api/v1/admin/departments",
                         {"code": "flood_control", "name": "县水务局", "response_hours": 24})
    assert created.status == 201, created.body
    assert admin.post("/api/v1/admin/departments",
                      {"code": "flood_control", "name": "重复", "response_hours": 24}).status == 409
    assert admin.post("/api/v1/admin/departments",
                      {"code": "Water!", "name": "x", "response_hours": 0}).status == 422
    assert world.as_("demo-committee").post("/api/v1/admin/departments", {
        "code": "x1", "name": "x", "response_hours": 1}).status == 403
    did = created.data["id"]
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    first = world.submit()["id"]
    member.post(f"/api/v1/requests/{first}/accept")
    whistled = committee.post(f"/api/v1/requests/{first}/escalate", {"department": "flood_control", "note": "管道破裂"})
    assert whistled.status == 200 and whistled.data["status"] == "referred"

    retired = admin.call("PATCH", f"/api/v1/admin/departments/{did}", json={"is_active": False})
    assert retired.status == 200 and retired.data["is_active"] is False
    second = world.submit()["id"]
    refused = committee.post(f"/api/v1/requests/{second}/escalate", {"department": "flood_control", "note": "x"})
    assert refused.status == 422 and "department" in refused.body["errors"]
    listed = admin.get("/api/v1/admin/departments").data["items"]
    assert {"code": "flood_control", "is_active": False}.items() <= next(d for d in listed if d["id"] == did).items()
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["department.create", "department.retire"]
