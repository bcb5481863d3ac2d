"""Lists of requests for each audience; all keyset-paginated by id, newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from server.accounts import service as accounts
from server.accounts.models import User
from server.grid import queries as grid
from server.http import keyset_page
from server.requests.enums import OPEN_STATUSES, Hop, Status
from server.requests.models import Request


def mine(user: User, page: dict) -> dict:
    return keyset_page(select(Request).where(Request.resident_id == user.id), Request.id, page)


def tasks(user: User, scope: str, page: dict) -> dict:
    """``available``: dispatched to one of my teams and not taken; ``mine``: held by me."""
    if scope == "mine":
        clause = and_(
            Request.handler_id == user.id,
            Request.status.in_([Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED]),
        )
    else:
        team_ids = grid.team_ids_of(user.id)
        clause = and_(Request.status == Status.DISPATCHED, Request.team_id.in_(team_ids))
    return keyset_page(select(Request).where(clause), Request.id, page)


def review(user: User, now: datetime, page: dict) -> dict:
    """The committee's desk: awaiting review, escalated to it, whistled, or overdue."""
    communities = accounts.committee_communities(user.id)
    clause = and_(
        Request.community_id.in_(communities),
        or_(
            Request.status.in_([Status.RESOLVED, Status.REFERRED]),
            and_(Request.status == Status.DISPATCHED, Request.hop == Hop.COMMITTEE),
            and_(Request.status.in_(OPEN_STATUSES), Request.resolve_deadline < now),
        ),
    )
    return keyset_page(select(Request).where(clause), Request.id, page)
