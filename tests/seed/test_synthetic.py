"""Synthetic data: deterministic, consistent with the state machine, refused twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from seed.synthetic import SCALES, AlreadyLoaded, generate
from server.extensions import db
from server.requests.models import Event, Rating, Request


def _fingerprint():
    rows = db.session.execute(
        select(Request.no, Request.status, Request.handler_id, Request.submitted_at).order_by(Request.id)
    ).all()
    return [tuple(r) for r in rows]


def test_tiny_scale_is_deterministic_and_consistent(ctx, clock):
    counts = generate(scale=SCALES["tiny"], now=clock.now(), seed=7)
    assert counts["requests"] == 600 and counts["grids"] == 4 and counts["sections"] == 6
    first = _fingerprint()
    # every request has its submit event, every status matches its last event
    last = dict(db.session.execute(
        select(Event.request_id, Event.to_status).where(
            Event.id.in_(select(func.max(Event.id)).group_by(Event.request_id)))
    ).all())
    assert all(last[i] == status for i, status in
               db.session.execute(select(Request.id, Request.status)).all())
    assert db.session.scalar(select(func.count()).select_from(Rating)) == counts["ratings"]
    assert {s for (s,) in db.session.execute(select(Request.status).distinct())} >= {"closed", "accepted"}
    with pytest.raises(AlreadyLoaded):
        generate(scale=SCALES["tiny"], now=clock.now(), seed=7)
    # the same seed gives the same rows in a fresh database
    from tests.conftest import _wipe

    db.session.remove()
    _wipe(ctx)
    generate(scale=SCALES["tiny"], now=clock.now(), seed=7)
    again = _fingerprint()
    assert [r[1:] for r in again] == [r[1:] for r in first]


def test_new_submissions_continue_the_numbering(world, clock):
    generate(scale=SCALES["tiny"], now=clock.now(), seed=7)
    created = world.submit()
    assert created["status"] == "dispatched"
    assert db.session.scalar(select(func.count()).select_from(Request).where(Request.no == created["no"])) == 1
