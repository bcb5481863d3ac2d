"""Where a request goes: the first hop on submission and the teams that may take it.

The spine sends a request to the A-post team of its section's grid; escalation along the
category's ``dispatch_order`` (A → B → committee) builds on ``hop_target``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from server.catalogue.models import Category
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Section, Team
from server.requests.enums import Hop
from server.requests.models import Request


def hops_of(category: Category) -> list[Hop]:
    return [Hop(h.strip()) for h in category.dispatch_order.split(",") if h.strip()]


def hop_target(hop: Hop, *, section: Section) -> Team | None:
    """The team that serves ``hop`` for ``section``; None for the committee or no team."""
    if hop == Hop.A:
        clause = (Team.post == Post.A) & (Team.grid_id == section.grid_id)
    elif hop == Hop.B:
        clause = (Team.post == Post.B) & (Team.section_id == section.id)
    else:
        return None
    return db.session.scalar(select(Team).where(clause, Team.is_active.is_(True)))


def first_hop(*, category: Category, section: Section, now: datetime) -> dict:
    """Columns for a new request: the first hop with a team, its team and the deadlines."""
    for hop in hops_of(category):
        team = hop_target(hop, section=section)
        if hop == Hop.COMMITTEE or team is not None:
            return {
                "hop": hop.value,
                "team_id": team.id if team else None,
                "accept_deadline": now + timedelta(minutes=category.accept_minutes),
                "resolve_deadline": now + timedelta(hours=category.resolve_hours),
            }
    return {"hop": Hop.COMMITTEE.value, "team_id": None,
            "accept_deadline": now + timedelta(minutes=category.accept_minutes),
            "resolve_deadline": now + timedelta(hours=category.resolve_hours)}


def eligible_team_ids(request: Request) -> set[int]:
    """Teams whose members may accept ``request`` now."""
    return {request.team_id} if request.team_id is not None else set()
