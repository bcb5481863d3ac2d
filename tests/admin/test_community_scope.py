"""A committee reaches only its own community's people (the cross-community takeover).

Found by attack: the committee of community B added to its own team a person that community A
had imported by phone, got A's person back, invited them, and whoever redeemed the code became
committee of A with A's team seat. People are now records of the community that put them on
file; these tests would fail on the old behaviour at each step of that attack.
"""

from __future__ import annotations

from sqlalchemy import select

from server.accounts import service as accounts
from server.admin import people
from server.admin.models import Person
from server.extensions import db
from server.grid import queries as grid
from server.grid.models import Team
from tests.admin.conftest import csv_bytes, upload
from tests.factories import reread

PHONE = "13800004002"


def _a_committee_person(world, admin) -> Person:
    """Community A (the demo community) seats 吴秀英 on its committee, by phone, unlinked."""
    rows = [["QS", "庆生社区", "", "", "", "两委", "吴秀英", PHONE]]
    assert upload(admin, csv_bytes(rows), "qs.csv").status == 200
    return db.session.scalar(select(Person).where(Person.phone == PHONE))


def _b_team(world) -> Team:
    team = db.session.scalar(select(Team).where(Team.community_id == world.other_community.id,
                                                Team.is_active.is_(True)).order_by(Team.id))
    assert team is not None
    return team


def test_another_committee_adding_the_phone_gets_its_own_person_not_ours(world, admin):
    person_a = _a_committee_person(world, admin)
    b = world.with_other_committee().as_("js-committee")
    team_b = _b_team(world)

    added = b.post(f"/api/v1/admin/teams/{team_b.id}/members", {"name": "吴秀英", "phone": PHONE})
    assert added.status == 200, added.body
    assert added.data["person_id"] != person_a.id and added.data["linked"] is False
    person_b = db.session.get(Person, added.data["person_id"])
    assert person_b.community_id == world.other_community.id
    # A's record is untouched: no post of B's on it, still A's only.
    db.session.refresh(person_a)
    assert person_a.community_id == world.community.id and person_a.posts == []

    # B cannot reach A's person by id either: not listed, not invitable, not addable.
    assert b.post("/api/v1/admin/invitations", {"person_id": person_a.id}).status == 404
    assert b.post(f"/api/v1/admin/teams/{team_b.id}/members",
                  {"person_id": person_a.id}).status == 404
    listed = b.get(f"/api/v1/admin/communities/{world.other_community.id}/people")
    assert [p["id"] for p in listed.data["items"]] == [person_b.id]


def test_redeeming_the_other_committees_code_grants_only_that_community(world, admin):
    _a_committee_person(world, admin)
    b = world.with_other_committee().as_("js-committee")
    team_b = _b_team(world)
    person_b = b.post(f"/api/v1/admin/teams/{team_b.id}/members",
                      {"name": "吴秀英", "phone": PHONE}).data["person_id"]
    code = b.post("/api/v1/admin/invitations", {"person_id": person_b}).data["code"]

    attacker = world.as_("attacker")
    redeemed = attacker.post("/api/v1/me/invitation", {"code": code})
    assert redeemed.status == 200, redeemed.body
    user = world.user("attacker")
    assert not accounts.is_committee_of(reread(user), world.community.id)
    assert redeemed.data["committee_of"] == []
    assert {t.community_id for t in grid.teams_of(user.id)} == {world.other_community.id}
    assert attacker.get("/api/v1/review").status == 403


def test_a_name_mismatch_elsewhere_reveals_nothing(world, admin):
    """A phone registered in A under one name is news to B: B may register it under another."""
    _a_committee_person(world, admin)
    b = world.with_other_committee().as_("js-committee")
    team_b = _b_team(world)
    other_name = b.post(f"/api/v1/admin/teams/{team_b.id}/members",
                        {"name": "张三", "phone": PHONE})
    assert other_name.status == 200, other_name.body
    # Within one community the mismatch is still refused (a typo must not merge two people).
    again = b.post(f"/api/v1/admin/teams/{team_b.id}/members", {"name": "李四", "phone": PHONE})
    assert again.status == 409 and again.code == 40916


def test_one_verified_phone_links_each_communitys_own_person(world, admin, clock):
    """The same human on record in two communities: each person brings its own posts only."""
    person_a = _a_committee_person(world, admin)
    b = world.with_other_committee().as_("js-committee")
    team_b = _b_team(world)
    person_b = b.post(f"/api/v1/admin/teams/{team_b.id}/members",
                      {"name": "吴秀英", "phone": PHONE}).data["person_id"]
    world.as_("wu-xiuying")
    user = world.user("wu-xiuying")
    linked = people.link_by_phone(user=user, phone=PHONE, now=clock.now())
    assert sorted(p.id for p in linked) == sorted([person_a.id, person_b])
    assert accounts.is_committee_of(reread(user), world.community.id)
    assert not accounts.is_committee_of(reread(user), world.other_community.id)
    assert {t.id for t in grid.teams_of(user.id)} == {team_b.id}
