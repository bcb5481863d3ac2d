"""The server-side cache of the public pages (community boards, request pages): kept while
nothing changes, dropped when what they show changes (at once, or within the recheck period),
and never older than its lifetime."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from server.extensions import db
from server.grid.models import Community
from server.sunlight import boardcache

KEY = ("community", 1, "json")


def same_version():  # a version that never changes
    return ("v1",)


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
            results.append(boardcache.cached(KEY, now, compute, version=same_version))

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
        assert boardcache.cached(KEY, now, lambda: {"board": "old"}, version=same_version) == {"board": "old"}
    later = now + timedelta(seconds=11)  # past the lifetime: the board must be recomputed

    def slow():
        started.set()
        gate.wait(5)
        return {"board": "new"}

    results = []

    def recompute():
        with app.app_context():
            results.append(boardcache.cached(KEY, later, slow, version=same_version))

    worker = threading.Thread(target=recompute)
    with app.app_context():
        worker.start()
        started.wait(5)
        # Meanwhile another reader is served at once, without computing anything.
        assert boardcache.cached(KEY, later, lambda: {"board": "never"}, version=same_version) == {"board": "old"}
        gate.set()
        worker.join(5)
        assert results == [{"board": "new"}]
        assert boardcache.cached(KEY, later, lambda: {"board": "never"}, version=same_version) == {"board": "new"}


def _retire(community_id: int) -> None:
    db.session.execute(update(Community).where(Community.id == community_id).values(is_active=False))
    db.session.commit()


@pytest.fixture
def recheck(app, monkeypatch, cache_on):
    monkeypatch.setitem(app.config, "SUNLIGHT_BOARD_RECHECK_SECONDS", 5)


def test_within_the_recheck_period_a_reading_costs_no_statement(world, clock, count_queries,
                                                                recheck):
    world.submit(public=True)
    first, _ = _read(world, count_queries)
    created = world.submit(public=True)
    clock.advance(seconds=4)
    again, statements = _read(world, count_queries)
    assert statements == 0 and again == first  # the change is not read yet
    clock.advance(seconds=1)
    after, _ = _read(world, count_queries)
    assert after["requests"]["items"][0]["no"] == created["no"]


def test_recheck_is_off_outside_production(app):
    assert app.config["SUNLIGHT_BOARD_RECHECK_SECONDS"] == 0


def test_a_retired_or_unknown_community_is_not_served_from_the_cache(world, clock, count_queries,
                                                                     cache_on):
    world.submit(public=True)
    _read(world, count_queries)
    _retire(world.community.id)
    path = f"/api/v1/public/communities/{world.community.id}/sunlight"
    assert world.client.get(path).status_code == 404
    assert world.client.get("/api/v1/public/communities/987654/sunlight").status_code == 404


@pytest.mark.parametrize("face", ["/sunlight/requests/{no}", "/api/v1/public/requests/{no}"])
def test_a_request_page_is_kept_until_the_request_changes(world, clock, count_queries, cache_on,
                                                         face):
    created = world.submit(public=True)
    path = face.format(no=created["no"])
    db.session.expunge_all()
    count_queries.count = 0
    cold = world.client.get(path)
    cold_statements = count_queries.count
    count_queries.count = 0
    warm = world.client.get(path)
    assert warm.data == cold.data and count_queries.count == 1 < cold_statements
    clock.advance(seconds=1)
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{created['id']}/accept").status == 200
    after = world.client.get(path)
    assert after.data != cold.data and "已接单" in after.get_data(as_text=True)


def test_a_cached_request_page_equals_the_uncached_one(world, clock, app, cache_on, monkeypatch):
    no = world.submit(public=True)["no"]
    cached = [world.client.get(f"/api/v1/public/requests/{no}").get_json() for _ in range(2)]
    monkeypatch.setitem(app.config, "SUNLIGHT_BOARD_CACHE_SECONDS", 0)
    assert cached[0] == cached[1] == world.client.get(f"/api/v1/public/requests/{no}").get_json()


def test_a_request_that_left_the_public_pages_is_gone_at_once(world, clock, cache_on):
    created = world.submit(public=True)
    path = f"/sunlight/requests/{created['no']}"
    assert world.client.get(path).status_code == 200
    _retire(world.community.id)
    assert world.client.get(path).status_code == 404
