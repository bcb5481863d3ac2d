"""Read-side questions about places and teams."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.grid.models import Community, Section, Team, TeamMember


def team_ids_of(user_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(TeamMember.team_id).where(
                TeamMember.user_id == user_id, TeamMember.is_active.is_(True)
            )
        )
    )


def active_member_team(user_id: int, community_id: int) -> Team | None:
    """The user's team in ``community_id`` (A post first), if they serve there."""
    return db.session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(
            TeamMember.user_id == user_id,
            TeamMember.is_active.is_(True),
            Team.community_id == community_id,
        )
        .order_by(Team.post, Team.id)
        .limit(1)
    )


def section_with_grid(section_id: int) -> Section | None:
    return db.session.get(Section, section_id)


def communities() -> list[Community]:
    return list(db.session.scalars(select(Community).where(Community.is_active.is_(True)).order_by(Community.id)))


def teams_of(user_id: int) -> list[Team]:
    return list(
        db.session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user_id, TeamMember.is_active.is_(True))
            .order_by(Team.id)
        )
    )
