"""Account events other domains react to (see ``server.discovery.emit``)."""

from __future__ import annotations

from datetime import datetime

from server.accounts.models import User
from server.discovery import emit

PHONE_BOUND = "accounts.phone_bound"


def phone_bound(user: User, now: datetime) -> None:
    """Called in the binding's transaction once ``user.phone`` holds a verified number.

    The administration links people imported before they logged in (by name and phone) to the
    account here, and they receive their roles and team posts.
    """
    emit(PHONE_BOUND, user=user, now=now)
