from __future__ import annotations

import pytest

from server.extensions import db
from server.notifications.models import Notification


class Inbox:
    """What each person has been told, read straight from the notifications table."""

    def kinds(self, user_id: int) -> list[str]:
        db.session.expire_all()
        return [n.kind for n in db.session.query(Notification)
                .filter_by(user_id=user_id).order_by(Notification.id)]


@pytest.fixture
def inbox(world):
    return Inbox()
