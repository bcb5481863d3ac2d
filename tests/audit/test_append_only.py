"""The timeline is append-only in the database itself, whatever the code above it does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.extensions import db


def _events(rid):
    return db.session.execute(
        text("SELECT id, action, created_at FROM request_events WHERE request_id = :r ORDER BY id"), {"r": rid}
    ).all()


def test_an_event_cannot_be_updated(world):
    rid = world.submit()["id"]
    before = _events(rid)
    (event_id, _action, _at), = before
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE request_events SET action = 'rewritten' WHERE id = :i"), {"i": event_id})
    db.session.rollback()
    assert _events(rid) == before


def test_an_event_cannot_be_deleted(world):
    rid = world.submit()["id"]
    before = _events(rid)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM request_events WHERE request_id = :r"), {"r": rid})
    db.session.rollback()
    assert _events(rid) == before and len(before) == 1


def test_appending_still_works_and_the_trigger_survives_the_test_wipe(world):
    """Each test starts on a wiped database: the triggers must still be there afterwards."""
    rid = world.submit()["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    assert [a for _i, a, _n in _events(rid)] == ["submit", "accept"]
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE request_events SET action = 'x'"))
    db.session.rollback()
