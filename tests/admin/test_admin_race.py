"""Two last admins leaving at once: one goes, the platform keeps the other (both databases)."""

from __future__ import annotations

from sqlalchemy import func, select

from server.accounts.enums import Role
from server.accounts.models import RoleGrant
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
