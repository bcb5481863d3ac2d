"""Who serves, and who may see what, in which community."""

from __future__ import annotations

from sqlalchemy import select

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import User
from server.extensions import db
from server.grid import queries as grid
from server.inservice.enums import RegistrationStatus
from server.inservice.models import Registration


def serving_communities(user_id: int) -> set[int]:
    """Communities where the user is on a duty team or an approved in-service member."""
    teams = {team.community_id for team in grid.teams_of(user_id)}
    registered = set(
        db.session.scalars(
            select(Registration.community_id).where(
                Registration.user_id == user_id,
                Registration.status == RegistrationStatus.APPROVED,
            )
        )
    )
    return teams | registered


def is_admin(user: User) -> bool:
    return accounts.has_role(user, Role.ADMIN)


def visible_communities(user: User) -> set[int] | None:
    """Communities whose activities ``user`` may see; None means all (an admin)."""
    if is_admin(user):
        return None
    return serving_communities(user.id) | set(accounts.committee_communities(user))


def can_see(user: User, community_id: int) -> bool:
    visible = visible_communities(user)
    return visible is None or community_id in visible
