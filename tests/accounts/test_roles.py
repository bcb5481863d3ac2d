"""What roles a user holds is answered from the grants read with the user: one definition
(``accounts.grants_by_role``), and no statement per question."""

from __future__ import annotations

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import User
from server.extensions import db
from tests.factories import reread


def test_role_questions_answer_from_the_grants_read_with_the_user(world, count_queries):
    ours, theirs, street_id = world.community.id, world.other_community.id, world.community.street_id
    db.session.expire_all()
    committee, street, county, resident = (db.session.get(User, world.user(openid).id) for openid
                                           in ("demo-committee", "demo-street", "demo-county",
                                               "demo-resident"))
    count_queries.count = 0
    assert accounts.committee_communities(committee) == [ours]
    assert accounts.is_committee_of(committee, ours)
    assert not accounts.is_committee_of(committee, theirs)
    assert accounts.street_ids_of(street) == [street_id] and accounts.street_ids_of(county) == []
    assert accounts.is_county(county) and not accounts.is_county(street)
    assert accounts.has_role(resident, Role.RESIDENT) and not accounts.has_role(resident, Role.MEMBER)
    assert accounts.supervises_community(county, theirs)
    assert not accounts.supervises_community(committee, ours)  # no street of their own: no read
    assert count_queries.count == 0
    # Street staff: the community's street is read to compare.
    assert accounts.supervises_community(street, ours)
    assert not accounts.supervises_community(street, theirs)
    assert count_queries.count == 2


def test_a_revoked_role_is_gone_for_the_next_read_of_the_user(world):
    admin, user = world.as_("demo-admin"), world.user("demo-committee")
    assert accounts.is_committee_of(reread(user), world.community.id)
    revoked = admin.post("/api/v1/admin/roles/revoke", {
        "role": "committee", "user_id": user.id, "community_id": world.community.id})
    assert revoked.status == 200
    assert not accounts.is_committee_of(reread(user), world.community.id)
    assert accounts.committee_communities(reread(user)) == []
    assert world.as_("demo-committee").get("/api/v1/review").status == 403
