"""Hooks other domains attach to account events."""

from __future__ import annotations

from datetime import datetime

from server.accounts.models import User


def phone_bound(user: User, now: datetime) -> None:
    """Called in the binding's transaction once ``user.phone`` holds a verified number.

    People imported before they logged in (by name and phone) are linked to the account here
    and receive their roles and team posts.
    """
    from server.admin.people import link_by_phone

    link_by_phone(user=user, phone=user.phone, now=now, commit=False)
