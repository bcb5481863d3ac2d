"""Imported people find themselves on their team when they log in: by invitation or by phone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import User
from server.admin import people
from server.admin.models import Person
from server.extensions import db
from server.grid import queries as grid
from tests.admin.conftest import csv_bytes, upload
from tests.factories import reread


def _import_people(world, admin) -> dict:
    """One B-post member and one committee staffer of the demo community, not yet logged in."""
    section = world.section
    rows = [["QS", "庆生社区", "", section.grid.name, section.name, "B", "孙红梅", "13800004001"],
            ["QS", "庆生社区", "", "", "", "两委", "吴秀英", "13800004002"]]
    assert upload(admin, csv_bytes(rows), "qs.csv").status == 200
    return {p.name: p for p in db.session.scalars(select(Person))}


def test_a_member_redeems_an_invitation_and_finds_their_team(world, admin, committee, clock):
    person = _import_people(world, admin)["孙红梅"]
    waiting = committee.get(f"/api/v1/admin/communities/{world.community.id}/people?linked=false")
    assert person.id in [p["id"] for p in waiting.data["items"]]
    issued = committee.post("/api/v1/admin/invitations", {"person_id": person.id})
    assert issued.status == 201, issued.body
    code = issued.data["code"]
    assert len(code) == 8 and issued.data["community_id"] == world.community.id

    # A request waiting on the B team is visible to the newcomer once linked.
    admin.call("PATCH", f"/api/v1/admin/teams/{world.team_a.id}", json={"is_active": False})
    request = world.submit()
    newcomer = world.as_("sun-hongmei")
    assert newcomer.get("/api/v1/tasks").status == 403
    clock.advance(hours=1)
    linked = newcomer.post("/api/v1/me/invitation", {"code": f" {code[:4].lower()}-{code[4:]} "})
    assert linked.status == 200, linked.body
    assert linked.data["person_id"] == person.id and "member" in linked.data["roles"]
    assert [(t["id"], t["post"]) for t in linked.data["teams"]] == [(world.team_b.id, "B")]
    tasks = newcomer.get("/api/v1/tasks?scope=available").data["items"]
    assert [t["id"] for t in tasks] == [request["id"]]
    assert newcomer.post(f"/api/v1/requests/{request['id']}/accept").status == 200

    user = world.user("sun-hongmei")
    db.session.refresh(person)
    assert person.user_id == user.id and user.name == "孙红梅"
    # Redeeming one's own code again is harmless; anyone else gets 409.
    assert newcomer.post("/api/v1/me/invitation", {"code": code}).status == 200
    assert world.as_("someone-else").post("/api/v1/me/invitation", {"code": code}).status == 409
    assert committee.post("/api/v1/admin/invitations", {"person_id": person.id}).status == 409
    roster = committee.get(f"/api/v1/admin/teams/{world.team_b.id}/members").data["items"]
    assert {"user_id": user.id, "name": "孙红梅", "post": "B"}.items() <= roster[-1].items()


def test_committee_staff_get_their_seat_when_they_redeem(world, admin):
    person = _import_people(world, admin)["吴秀英"]
    code = admin.post("/api/v1/admin/invitations", {"person_id": person.id}).data["code"]
    linked = world.as_("wu-xiuying").post("/api/v1/me/invitation", {"code": code})
    assert linked.data["committee_of"] == [world.community.id]
    assert world.as_("wu-xiuying").get("/api/v1/review").status == 200


def test_bad_expired_and_superseded_codes(world, admin, committee, clock):
    people_ = _import_people(world, admin)
    member = people_["孙红梅"]
    first = committee.post("/api/v1/admin/invitations", {"person_id": member.id}).data["code"]
    second = committee.post("/api/v1/admin/invitations", {"person_id": member.id}).data["code"]
    api = world.as_("sun-hongmei")
    superseded = api.post("/api/v1/me/invitation", {"code": first})
    assert superseded.status == 422 and superseded.code == 42211
    assert api.post("/api/v1/me/invitation", {"code": "ZZZZZZZZ"}).status == 422
    assert api.post("/api/v1/me/invitation", {"code": second, "x": 1}).status == 422
    clock.advance(days=15)
    assert api.post("/api/v1/me/invitation", {"code": second}).status == 422
    assert db.session.get(Person, member.id).user_id is None
    # One account, one person: having redeemed for one, a second person's code is refused.
    clock.advance(days=-15)
    staff = people_["吴秀英"]
    third = committee.post("/api/v1/admin/invitations", {"person_id": member.id}).data["code"]
    other = committee.post("/api/v1/admin/invitations", {"person_id": staff.id}).data["code"]
    assert api.post("/api/v1/me/invitation", {"code": third}).status == 200
    assert api.post("/api/v1/me/invitation", {"code": other}).status == 409


def test_link_by_phone_links_once_and_is_safe_for_any_phone(world, admin, clock):
    person = _import_people(world, admin)["孙红梅"]
    world.as_("sun-hongmei")
    user = world.user("sun-hongmei")
    now = clock.now()
    assert people.link_by_phone(user=user, phone=None, now=now) == []
    assert people.link_by_phone(user=user, phone="not a phone", now=now) == []
    assert people.link_by_phone(user=user, phone="13900000000", now=now) == []
    assert not accounts.has_role(reread(user), Role.MEMBER)

    linked = people.link_by_phone(user=user, phone="+86 138-0000-4001", now=now)
    assert [p.id for p in linked] == [person.id]
    assert world.team_b.id in {t.id for t in grid.teams_of(user.id)}
    assert accounts.has_role(reread(user), Role.MEMBER)
    grants = len(db.session.get(User, user.id).grants)
    assert [p.id for p in people.link_by_phone(user=user, phone="13800004001", now=now)] == [person.id]
    assert len(db.session.get(User, user.id).grants) == grants

    # Another account with the same phone cannot take the person over.
    world.as_("impostor")
    impostor = world.user("impostor")
    assert people.link_by_phone(user=impostor, phone="13800004001", now=now) == []
    assert not accounts.has_role(reread(impostor), Role.MEMBER)
    # The linked member's later posts reach their account at once.
    added = admin.post(f"/api/v1/admin/teams/{world.team_a.id}/members",
                       {"person_id": person.id})
    assert added.data["linked"] is True
    assert world.team_a.id in {t.id for t in grid.teams_of(user.id)}


def test_an_admin_seat_for_a_person_becomes_committee_on_linking(world, admin, clock):
    person = _import_people(world, admin)["孙红梅"]
    # A person holds seats of their own community only: another's is refused.
    elsewhere = admin.post("/api/v1/admin/roles/grant", {
        "role": "committee", "person_id": person.id, "community_id": world.other_community.id})
    assert elsewhere.status == 409 and elsewhere.code == 40917
    granted = admin.post("/api/v1/admin/roles/grant", {
        "role": "committee", "person_id": person.id, "community_id": world.community.id})
    assert granted.status == 200
    assert admin.post("/api/v1/admin/roles/grant",
                      {"role": "admin", "person_id": person.id}).status == 422
    world.as_("sun-hongmei")
    user = world.user("sun-hongmei")
    people.link_by_phone(user=user, phone="13800004001", now=clock.now() + timedelta(days=1))
    assert accounts.is_committee_of(reread(user), world.community.id)
    assert not accounts.is_committee_of(reread(user), world.other_community.id)
    revoked = admin.post("/api/v1/admin/roles/revoke", {
        "role": "committee", "person_id": person.id, "community_id": world.community.id})
    assert revoked.status == 200
    assert not accounts.is_committee_of(reread(user), world.community.id)


def test_binding_the_phone_through_wechat_links_the_imported_person(world, admin, clock):
    """The whole path: imported by phone, first WeChat login, getPhoneNumber → on the B post."""
    _import_people(world, admin)
    newcomer = world.as_("first-login")
    assert "member" not in newcomer.get("/api/v1/me").data["roles"]
    bound = newcomer.post("/api/v1/me/phone", {"code": "phone-13800004001"})
    assert bound.status == 200, bound.body
    me = newcomer.get("/api/v1/me").data
    assert "member" in me["roles"]
    assert [(t["id"], t["post"]) for t in me["teams"]] == [(world.team_b.id, "B")]
    person = db.session.scalar(select(Person).where(Person.phone == "13800004001"))
    assert person.user_id == me["id"]
