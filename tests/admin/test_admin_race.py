"""Races in the administration (both databases): two last admins leaving at once, the same
member or category created by several calls at once."""

from __future__ import annotations

from sqlalchemy import func, select

from server.accounts.enums import Role
from server.accounts.models import RoleGrant
from server.admin.models import Person, PersonPost
from server.catalogue.models import Category
from server.extensions import db
from tests.factories import Api
from tests.races import race


def test_two_admins_deleting_their_accounts_at_once_leave_one(world, app, admin):
    assert admin.post("/api/v1/admin/roles/grant",
                      {"role": "admin", "user_id": world.user("demo-resident").id}).status == 200
    tokens = [world.as_("demo-admin").token, world.as_("demo-resident").token]
    db.session.remove()

    statuses = race(app, [lambda client, t=t: Api(client, t).call("DELETE", "/api/v1/me").status
                          for t in tokens])

    assert sorted(statuses) == [200, 409]
    assert db.session.scalar(select(func.count()).select_from(RoleGrant)
                             .where(RoleGrant.role == Role.ADMIN)) == 1


def _outcomes(answers) -> tuple[list[int], set[int]]:
    statuses = sorted(a.status for a in answers)
    return statuses, {a.code for a in answers if a.status == 409}


def test_the_same_new_member_added_at_once_is_one_person_on_the_team(world, app, committee):
    """Four committee calls at once with the same name and phone (they once answered 500)."""
    team_id = world.team_a.id
    token = committee.token
    body = {"name": "赵同时", "phone": "13700001111"}
    db.session.remove()
    answers = race(app, [lambda client: Api(client, token).post(
        f"/api/v1/admin/teams/{team_id}/members", body) for _ in range(4)])
    statuses, codes = _outcomes(answers)
    assert 500 not in statuses and statuses[0] == 200, statuses
    assert set(statuses) <= {200, 409, 503} and codes <= {40991}
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.phone == "13700001111")) == 1
    assert db.session.scalar(select(func.count()).select_from(PersonPost).join(Person).where(
        Person.phone == "13700001111", PersonPost.team_id == team_id)) == 1


def test_the_same_category_created_at_once_is_one_category(world, app, admin):
    token = admin.token
    body = {"code": "snow", "name": "扫雪除冰", "accept_minutes": 30, "resolve_hours": 24,
            "dispatch_order": ["A", "B", "committee"]}
    db.session.remove()
    answers = race(app, [lambda client: Api(client, token).post("/api/v1/admin/categories", body)
                         for _ in range(4)])
    statuses, codes = _outcomes(answers)
    assert 500 not in statuses and statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 503} and codes <= {40910}  # the code taken, said as such
    assert db.session.scalar(select(func.count()).select_from(Category).where(
        Category.code == "snow")) == 1
