"""What the administration does when other domains report an event."""

from __future__ import annotations

from datetime import datetime

from server.accounts.hooks import PHONE_BOUND
from server.accounts.models import User
from server.admin.people import link_by_phone


def _link_imported_person(*, user: User, now: datetime) -> None:
    link_by_phone(user=user, phone=user.phone, now=now, commit=False)


LISTENERS = {PHONE_BOUND: _link_imported_person}
