"""Membership events other domains react to (see ``server.discovery.emit``)."""

from __future__ import annotations

from datetime import datetime

from server.discovery import emit

MEMBER_LEFT = "grid.member_left"


def member_left(*, user_id: int, community_id: int, now: datetime) -> None:
    """Called in the removal's transaction when a user leaves a team of ``community_id``.
    Requests hand back what the user held there if they no longer serve in the community."""
    emit(MEMBER_LEFT, user_id=user_id, community_id=community_id, now=now)
