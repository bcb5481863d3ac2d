"""Who may grant what: admins grant committee and admin; a committee manages its own teams."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.admin.models import AuditEntry, Person
from server.extensions import db
from server.grid.models import Team
from tests.factories import reread


def _grant(api, **body):
    return api.post("/api/v1/admin/roles/grant", body)


def test_admin_grants_and_revokes_committee_with_an_audit_record(world, admin, clock):
    resident = world.user("demo-resident")
    granted = _grant(admin, role="committee", user_id=resident.id,
                     community_id=world.other_community.id)
    assert granted.status == 200, granted.body
    assert accounts.is_committee_of(reread(resident), world.other_community.id)
    assert not accounts.is_committee_of(reread(resident), world.community.id)
    # The new committee member sees that community's review desk at once.
    assert world.as_("demo-resident").get("/api/v1/review").status == 200

    clock.advance(minutes=10)
    revoked = admin.post("/api/v1/admin/roles/revoke", {
        "role": "committee", "user_id": resident.id, "community_id": world.other_community.id})
    assert revoked.status == 200
    assert not accounts.is_committee_of(reread(resident), world.other_community.id)
    assert admin.post("/api/v1/admin/roles/revoke", {
        "role": "committee", "user_id": resident.id,
        "community_id": world.other_community.id}).status == 404

    trail = admin.get(f"/api/v1/admin/audit?community_id={world.other_community.id}").data["items"]
    assert [(e["action"], e["data"]["role"]) for e in trail] == [
        ("role.revoke", "committee"), ("role.grant", "committee")]
    assert {e["actor_id"] for e in trail} == {world.user("demo-admin").id}
    assert {e["user_id"] for e in trail} == {resident.id}
    assert trail[0]["created_at"] == "2026-11-23T09:10:00+08:00"


@pytest.mark.parametrize("openid", ["demo-committee", "demo-member-a", "demo-resident"])
def test_only_admins_grant_committee_or_admin(world, openid):
    api = world.as_(openid)
    me = world.user(openid)
    for body in ({"role": "committee", "user_id": me.id, "community_id": world.community.id},
                 {"role": "committee", "user_id": me.id,
                  "community_id": world.other_community.id},
                 {"role": "admin", "user_id": me.id}):
        assert _grant(api, **body).status == 403
    assert not accounts.has_role(reread(me), Role.ADMIN)
    assert not accounts.is_committee_of(reread(me), world.other_community.id)


def test_the_last_admin_cannot_be_revoked(world, admin):
    me = world.user("demo-admin")
    lost = admin.post("/api/v1/admin/roles/revoke", {"role": "admin", "user_id": me.id})
    assert lost.status == 409
    assert _grant(admin, role="admin", user_id=world.user("demo-resident").id).status == 200
    assert admin.post("/api/v1/admin/roles/revoke",
                      {"role": "admin", "user_id": me.id}).status == 200
    assert admin.get("/api/v1/admin/audit").status == 403


def test_role_bodies_are_validated(world, admin):
    uid = world.user("demo-resident").id
    assert _grant(admin, role="committee", user_id=uid).status == 422  # no community
    assert _grant(admin, role="member", user_id=uid).status == 422
    assert _grant(admin, role="admin").status == 422  # no one named
    assert _grant(admin, role="admin", user_id=uid, status="x").status == 422
    assert _grant(admin, role="admin", user_id=2**31).status == 422
    assert _grant(admin, role="admin", user_id=999999).status == 404


def test_committee_manages_the_members_of_its_own_teams(world, committee):
    team = world.team_b
    added = committee.post(f"/api/v1/admin/teams/{team.id}/members",
                           {"name": "孙红梅", "phone": "138 0000 5555"})
    assert added.status == 200, added.body
    assert added.data["linked"] is False and added.data["post"] == "B"
    again = committee.post(f"/api/v1/admin/teams/{team.id}/members",
                           {"name": "孙红梅", "phone": "13800005555"})
    assert again.data["changed"] is False and again.data["person_id"] == added.data["person_id"]
    assert committee.post(f"/api/v1/admin/teams/{team.id}/members",
                          {"name": "别人", "phone": "13800005555"}).status == 409

    waiting = committee.get(f"/api/v1/admin/communities/{world.community.id}/people?linked=false")
    [person] = waiting.data["items"]
    assert person["name"] == "孙红梅" and person["phone"] == "138****5555"
    assert person["posts"] == [{"team_id": team.id, "team_name": team.name, "post": "B"}]

    # An account-holding resident moves onto the A team; the member role comes with it.
    resident = world.user("demo-resident")
    moved = committee.post(f"/api/v1/admin/teams/{world.team_a.id}/members",
                           {"user_id": resident.id})
    assert moved.data["linked"] is True
    assert accounts.has_role(reread(resident), Role.MEMBER)
    assert world.as_("demo-resident").get("/api/v1/tasks").status == 200
    roster = committee.get(f"/api/v1/admin/teams/{world.team_a.id}/members").data["items"]
    assert resident.id in [m["user_id"] for m in roster]

    removed = committee.post(f"/api/v1/admin/teams/{world.team_a.id}/members/remove",
                             {"user_id": resident.id})
    assert removed.status == 200
    assert not accounts.has_role(reread(resident), Role.MEMBER)
    assert world.as_("demo-resident").get("/api/v1/tasks").status == 403
    assert committee.post(f"/api/v1/admin/teams/{world.team_a.id}/members/remove",
                          {"user_id": resident.id}).status == 404
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == world.user("demo-committee").id)).all()
    assert actions.count("member.add") == 2 and actions.count("member.remove") == 1


def test_committee_cannot_touch_another_community(world, committee, admin):
    other_team = db.session.scalar(select(Team).where(
        Team.community_id == world.other_community.id).order_by(Team.id))
    resident = world.user("demo-resident")
    assert committee.post(f"/api/v1/admin/teams/{other_team.id}/members",
                          {"user_id": resident.id}).status == 404
    assert committee.get(f"/api/v1/admin/teams/{other_team.id}/members").status == 404
    assert committee.post(f"/api/v1/admin/teams/{other_team.id}/members/remove",
                          {"user_id": resident.id}).status == 404
    assert committee.get(
        f"/api/v1/admin/communities/{world.other_community.id}/people").status == 404
    assert committee.get(f"/api/v1/admin/communities/{world.other_community.id}").status == 404
    # A person of the other community is invisible too, for posts and for invitations.
    other = admin.post(f"/api/v1/admin/teams/{other_team.id}/members",
                       {"name": "周建华", "phone": "13800007777"}).data["person_id"]
    assert committee.post(f"/api/v1/admin/teams/{world.team_a.id}/members",
                          {"person_id": other}).status == 404
    assert committee.post("/api/v1/admin/invitations", {"person_id": other}).status == 404
    posts = db.session.scalar(select(Person).where(Person.id == other)).posts
    assert [p.team_id for p in posts] == [other_team.id]


@pytest.mark.parametrize("openid", ["demo-resident", "demo-member-a"])
def test_residents_and_members_cannot_manage_teams(world, openid):
    api = world.as_(openid)
    assert api.post(f"/api/v1/admin/teams/{world.team_a.id}/members",
                    {"name": "某人", "phone": "13800008888"}).status == 403
    assert api.get(f"/api/v1/admin/teams/{world.team_a.id}/members").status == 403
    assert api.post("/api/v1/admin/invitations", {"person_id": 1}).status in (403, 404)
    assert db.session.scalar(select(Person)) is None


def test_member_bodies_are_validated(world, committee):
    path = f"/api/v1/admin/teams/{world.team_a.id}/members"
    assert committee.post(path, {}).status == 422
    assert committee.post(path, {"name": "某人", "phone": "12345"}).status == 422
    assert committee.post(path, {"phone": "13800008888"}).status == 422
    assert committee.post(path, {"user_id": 1, "person_id": 1}).status == 422
    assert committee.post(path, {"user_id": 1, "post": "A"}).status == 422
    assert committee.post("/api/v1/admin/teams/99999/members", {"user_id": 1}).status == 404


def test_the_last_admin_cannot_delete_their_account(world, admin):
    me = world.user("demo-admin")
    refused = admin.call("DELETE", "/api/v1/me")
    assert (refused.status, refused.code) == (409, 40912)
    me = reread(me)
    assert accounts.has_role(me, Role.ADMIN) and me.is_active
    # with a second admin, either may go
    assert _grant(admin, role="admin", user_id=world.user("demo-resident").id).status == 200
    assert admin.call("DELETE", "/api/v1/me").status == 200
    assert world.as_("demo-resident").call("DELETE", "/api/v1/me").status == 409
