"""The server-side cache of the community boards: kept while nothing changes, dropped at once
when a request of the community changes, and never older than its lifetime."""

from __future__ import annotations

import pytest

from server.extensions import db
from server.sunlight import boardcache


@pytest.fixture
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "SUNLIGHT_BOARD_CACHE_SECONDS", 10)
    boardcache.clear()
    yield
    boardcache.clear()


def _read(world, count_queries):
    path = f"/api/v1/public/communities/{world.community.id}/sunlight"
    db.session.expunge_all()  # as cold as a fresh request in production
    count_queries.count = 0
    response = world.client.get(path)
    assert response.status_code == 200
    return response.get_json()["data"], count_queries.count


def test_a_second_reading_is_served_from_the_cache(world, clock, count_queries, cache_on):
    world.submit(public=True)
    first, cold = _read(world, count_queries)
    again, warm = _read(world, count_queries)
    assert again == first
    assert warm < cold and warm <= 3, (cold, warm)


def test_a_change_invalidates_at_once(world, clock, count_queries, cache_on):
    world.submit(public=True)
    first, _ = _read(world, count_queries)
    created = world.submit(public=True)
    after, _ = _read(world, count_queries)
    assert after["figures"]["total"] == first["figures"]["total"] + 1
    assert after["requests"]["items"][0]["no"] == created["no"]


def test_an_action_at_the_same_instant_invalidates_too(world, clock, count_queries, cache_on):
    rid = world.submit(public=True)["id"]
    _read(world, count_queries)
    clock.advance(seconds=1)
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    after, _ = _read(world, count_queries)
    assert after["requests"]["items"][0]["status"] == "accepted"


def test_the_cache_expires_after_its_lifetime(world, clock, count_queries, cache_on):
    world.submit(public=True)
    _read(world, count_queries)
    clock.advance(seconds=11)
    _, cold_again = _read(world, count_queries)
    _, warm = _read(world, count_queries)
    assert cold_again > warm


def test_off_by_default_outside_production(app):
    assert app.config["SUNLIGHT_BOARD_CACHE_SECONDS"] == 0


def test_readers_that_miss_together_compute_once(app, cache_on):
    import threading
    from datetime import UTC, datetime

    calls, gate, started = [], threading.Event(), threading.Event()
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def compute():
        calls.append(1)
        started.set()
        gate.wait(5)  # the others arrive meanwhile and must wait for this computation
        return {"board": len(calls)}

    results = []

    def reader():
        with app.app_context():
            results.append(boardcache.cached(1, {"limit": 20}, now, compute))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    with app.app_context():
        for t in threads:
            t.start()
        started.wait(5)
        gate.set()
        for t in threads:
            t.join(5)
    assert calls == [1] and results == [{"board": 1}] * 4


def test_while_one_thread_recomputes_the_others_get_the_previous_board(app, cache_on):
    import threading
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    gate, started = threading.Event(), threading.Event()
    with app.app_context():
        assert boardcache.cached(1, {}, now, lambda: {"board": "old"}) == {"board": "old"}
    later = now + timedelta(seconds=11)  # past the lifetime: the board must be recomputed

    def slow():
        started.set()
        gate.wait(5)
        return {"board": "new"}

    results = []

    def recompute():
        with app.app_context():
            results.append(boardcache.cached(1, {}, later, slow))

    worker = threading.Thread(target=recompute)
    with app.app_context():
        worker.start()
        started.wait(5)
        # Meanwhile another reader is served at once, without computing anything.
        assert boardcache.cached(1, {}, later, lambda: {"board": "never"}) == {"board": "old"}
        gate.set()
        worker.join(5)
        assert results == [{"board": "new"}]
        assert boardcache.cached(1, {}, later, lambda: {"board": "never"}) == {"board": "new"}
