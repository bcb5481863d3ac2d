"""Hooks other domains attach to account events."""

from __future__ import annotations

from datetime import datetime

from server.accounts.models import User


def phone_bound(user: User, now: datetime) -> None:
    """Called in the binding's transaction once ``user.phone`` holds a verified number.

    This is where people imported before they logged in (by phone) get linked to the account.
    """
    return None
