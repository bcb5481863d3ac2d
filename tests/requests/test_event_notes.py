"""The timeline's free text: kept apart from the append-only events, so that retention erases
a phone number or a name written in a note while the event rows never change."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from server.extensions import db
from server.jobs import all_jobs
from server.requests.models import Event, EventNote, Request

PHONE = "13812345678"


@pytest.fixture
def retention(app):
    previous = app.config["RETENTION_DAYS"]
    app.config["RETENTION_DAYS"] = 30
    yield 30
    app.config["RETENTION_DAYS"] = previous


def _events(rid: int) -> list[tuple]:
    """The event rows as the database holds them."""
    return [tuple(row) for row in db.session.execute(
        text("SELECT * FROM request_events WHERE request_id = :r ORDER BY id"), {"r": rid})]


def _closed_with_notes(world) -> int:
    rid = world.submit()["id"]
    member = world.as_("demo-member-a")
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    assert member.post(f"/api/v1/requests/{rid}/progress",
                       {"note": f"已联系王大妈（{PHONE}），明早上门"}).status == 200
    assert member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已清理"}).status == 200
    assert world.as_("demo-committee").post(f"/api/v1/requests/{rid}/approve").status == 200
    return rid


def test_a_note_is_kept_beside_its_event_and_shown_on_the_timeline(world):
    rid = _closed_with_notes(world)
    timeline = world.as_("demo-committee").get(f"/api/v1/requests/{rid}").data["timeline"]
    notes = [e["note"] for e in timeline]
    assert notes == [None, None, f"已联系王大妈（{PHONE}），明早上门", "已清理", None]
    columns = [c["name"] for c in db.inspect(db.engine).get_columns("request_events")]
    assert "note" not in columns  # the event row holds no free text at all
    rows = db.session.scalars(select(EventNote).where(EventNote.request_id == rid)).all()
    assert sorted(r.text for r in rows) == sorted(["已清理", f"已联系王大妈（{PHONE}），明早上门"])


def test_retention_erases_the_notes_and_leaves_the_events_as_they_were(world, clock, retention):
    rid = _closed_with_notes(world)
    before = _events(rid)
    clock.advance(days=31)
    all_jobs()["retention.anonymise_closed"].func(clock.now())
    db.session.expire_all()
    assert db.session.get(Request, rid).anonymised_at is not None
    assert _events(rid) == before  # not one event row changed
    notes = db.session.scalars(select(EventNote).where(EventNote.request_id == rid)).all()
    assert notes and all(n.text is None and n.erased_at == clock.now() for n in notes)
    timeline = world.as_("demo-committee").get(f"/api/v1/requests/{rid}").data["timeline"]
    assert PHONE not in str(timeline) and all(e["note"] is None for e in timeline)
    assert [e["action"] for e in timeline] == ["submit", "accept", "progress", "resolve", "approve"]


def test_account_deletion_erases_the_notes_of_the_residents_finished_requests(world):
    rid = _closed_with_notes(world)
    assert world.as_("demo-resident").call("DELETE", "/api/v1/me").status in (200, 204)
    db.session.expire_all()
    notes = db.session.scalars(select(EventNote).where(EventNote.request_id == rid)).all()
    assert all(n.text is None for n in notes)


def test_the_events_stay_append_only(world):
    rid = _closed_with_notes(world)
    event_id = db.session.scalar(select(Event.id).where(Event.request_id == rid).limit(1))
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE request_events SET action = 'x' WHERE id = :i"),
                           {"i": event_id})
    db.session.rollback()
