"""The server-side cache of the public pages (community boards, request pages): kept while
nothing changes, dropped when what they show changes (at once, or within the recheck period),
and never older than its lifetime."""

from __future__ import annotations

from datetime import timedelta

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


def _light_moments(world, request_id: int):
    from server.requests.lights import yellow_at
    from server.requests.models import Request

    request = db.session.get(Request, request_id)
    return yellow_at(submitted_at=request.submitted_at,
                     resolve_deadline=request.resolve_deadline), request.resolve_deadline


def test_a_request_page_outlives_the_lifetime_until_its_light_changes(world, clock, count_queries,
                                                                     cache_on):
    created = world.submit(public=True)
    path = f"/api/v1/public/requests/{created['no']}"
    yellow, red = _light_moments(world, created["id"])
    clock.at = yellow - timedelta(seconds=3)
    assert world.client.get(path).get_json()["data"]["light"] == "green"
    clock.advance(seconds=2)  # still green: kept, its version read (one statement)
    count_queries.count = 0
    assert world.client.get(path).get_json()["data"]["light"] == "green"
    assert count_queries.count == 1
    clock.advance(seconds=2)  # yellow now, within the lifetime of the green rendering
    assert world.client.get(path).get_json()["data"]["light"] == "yellow"
    clock.at = red
    assert world.client.get(path).get_json()["data"]["light"] == "yellow"  # red only after it
    clock.advance(microseconds=1)
    assert world.client.get(path).get_json()["data"]["light"] == "red"
    clock.advance(seconds=11)  # past the lifetime; red for good: kept
    db.session.expunge_all()
    count_queries.count = 0
    assert world.client.get(path).get_json()["data"]["light"] == "red"
    assert count_queries.count == 1
    clock.advance(seconds=10 * boardcache.STEADY_LIMIT)  # but never longer than this
    count_queries.count = 0
    assert world.client.get(path).get_json()["data"]["light"] == "red"
    assert count_queries.count > 1


def test_content_held_for_review_leaves_a_cached_request_page_at_once(world, clock, cache_on):
    from server.requests.models import Request

    created = world.submit(public=True)
    path = f"/api/v1/public/requests/{created['no']}"
    assert world.client.get(path).get_json()["data"]["description"]
    # As a late content-security verdict does: the column alone, no new version of the request.
    db.session.execute(update(Request).where(Request.id == created["id"]).values(moderation="review"))
    db.session.commit()
    assert world.client.get(path).get_json()["data"]["description"] is None


# --- shared renderings: one computation for every worker, kept fresh by the scheduler --------

def _stored():
    from sqlalchemy import select

    from server.sunlight.models import PublicRendering

    db.session.rollback()
    return db.session.execute(select(PublicRendering.path, PublicRendering.computed_at,
                                     PublicRendering.body)).all()


def _refresh(clock) -> str:
    from server.jobs import all_jobs

    return all_jobs()["sunlight.refresh_boards"].func(clock.now())


FACES = {"json": ("/api/v1/public/communities/{id}/sunlight", {}),
         "html": ("/sunlight/communities/{id}", {"Accept": "text/html"})}


def _get(world, face: str, count_queries=None, query: str = ""):
    path, headers = FACES[face]
    db.session.expunge_all()
    if count_queries is not None:
        count_queries.count = 0
    response = world.client.get(path.format(id=world.community_id) + query, headers=headers)
    assert response.status_code == 200
    return response.data


@pytest.fixture
def board(world):
    world.submit(public=True)
    world.community_id = world.community.id
    return world


@pytest.mark.parametrize("face", list(FACES))
def test_a_board_computed_by_one_worker_is_served_by_the_others(board, clock, count_queries,
                                                                 cache_on, face):
    first = _get(board, face, count_queries)
    cold = count_queries.count
    [(path, computed_at, body)] = _stored()
    assert path == FACES[face][0].format(id=board.community_id) and body == first
    assert computed_at == clock.now()
    boardcache.clear()  # another worker: nothing of its own yet
    clock.advance(seconds=2)
    assert _get(board, face, count_queries) == first
    assert count_queries.count <= 3 < cold  # its version, the stored rendering, the read mark


@pytest.mark.parametrize("face", list(FACES))
def test_the_scheduler_renders_a_read_board_again_before_it_grows_old(board, clock,
                                                                      count_queries, cache_on,
                                                                      face):
    _get(board, face)
    clock.advance(seconds=4)
    assert _refresh(clock) == "0 public pages rendered again"  # not half a lifetime old yet
    clock.advance(seconds=2)
    assert _refresh(clock) == "1 public pages rendered again"
    [(_path, computed_at, refreshed)] = _stored()
    assert computed_at == clock.now()  # rendered again, 6 s later
    clock.advance(seconds=5)  # the first rendering's lifetime is over, not the new one's
    assert _get(board, face, count_queries) == refreshed
    assert count_queries.count <= 3  # taken from the store: this worker computed nothing
    created = board.submit(public=True)  # a change: the next reader computes it at once
    assert created["no"].encode() in _get(board, face)


def test_a_board_nobody_reads_is_left_alone_and_then_forgotten(board, clock, cache_on):
    _get(board, "json")
    clock.advance(seconds=boardcache.HOT_SECONDS + 1)
    assert _refresh(clock) == "0 public pages rendered again"
    clock.advance(days=1)
    _refresh(clock)
    assert _stored() == []


def test_filtered_pages_stay_each_workers_own(board, clock, cache_on):
    _get(board, "json", query="?status=dispatched")
    _get(board, "html", query="?limit=5")
    assert _stored() == []
    _get(board, "json", query="?from=singlemessage")  # WeChat's own parameters are not filters
    assert [path for path, *_ in _stored()] == [FACES["json"][0].format(id=board.community_id)]


def test_the_board_of_a_retired_community_is_dropped_by_the_scheduler(board, clock, cache_on):
    _get(board, "html")
    _retire(board.community_id)
    clock.advance(seconds=6)
    assert _refresh(clock) == "0 public pages rendered again"
    assert _stored() == []


def test_refresh_is_a_scheduled_job_and_off_with_the_cache(app, clock):
    from server.jobs import all_jobs

    job = all_jobs()["sunlight.refresh_boards"]
    assert job.trigger == "interval" and job.trigger_args == {"seconds": 3}
    with app.app_context():
        assert job.func(clock.now()) == "0 public pages rendered again"


def test_request_pages_due_a_recheck_are_rechecked_together(world, clock, count_queries,
                                                            recheck):
    pages = [f"/sunlight/requests/{world.submit(public=True)['no']}" for _ in range(3)]
    first = [world.client.get(path).data for path in pages]
    clock.advance(seconds=5)  # every page is due a recheck
    db.session.expunge_all()
    count_queries.count = 0
    assert world.client.get(pages[0]).data == first[0]
    assert count_queries.count == 1  # the versions of all three, in one statement
    assert [world.client.get(path).data for path in pages[1:]] == first[1:]
    assert count_queries.count == 1  # the other two were rechecked with it


def test_a_page_changed_meanwhile_is_computed_again_by_its_own_reader(world, clock,
                                                                       count_queries, recheck):
    created = [world.submit(public=True) for _ in range(2)]
    pages = [f"/sunlight/requests/{c['no']}" for c in created]
    for path in pages:
        world.client.get(path)
    clock.advance(seconds=1)
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{created[1]['id']}/accept").status == 200
    clock.advance(seconds=4)
    world.client.get(pages[0])  # rechecks both: the second has changed, it stays due
    assert "已接单" in world.client.get(pages[1]).get_data(as_text=True)


# --- the committee's stats: the same cache, after the reader is allowed -----------------------

def test_a_communitys_stats_are_kept_while_nothing_changes(world, clock, count_queries, cache_on):
    world.submit()
    committee = world.as_("demo-committee")
    count_queries.count = 0
    first = committee.get("/api/v1/stats?group=team").data
    cold = count_queries.count
    count_queries.count = 0
    clock.advance(seconds=2)
    assert committee.get("/api/v1/stats?group=team").data == first  # made 2 s ago, and says so
    assert count_queries.count < cold
    world.submit()  # a change: the next reading counts it
    total = committee.get("/api/v1/stats?group=team").data["items"][-1]["total"]
    assert total == first["items"][-1]["total"] + 1


def test_cached_stats_are_still_only_for_those_allowed(world, clock, cache_on):
    world.submit()
    path = f"/api/v1/stats?community_id={world.community.id}"
    assert world.as_("demo-committee").get(path).status == 200  # now cached
    assert world.as_("demo-member-a").get(path).status == 403
    assert world.as_(None).get(path).status == 401


def test_a_worker_never_stores_its_rendering_over_a_later_one(board, clock, cache_on):
    """A worker that computed before the scheduler stored a newer rendering leaves it be."""
    _get(board, "json")
    clock.advance(seconds=6)
    _refresh(clock)  # stored at t+6
    [(_path, stored_at, _body)] = _stored()
    from server.sunlight.service import FIRST_PAGE

    key = ("community", board.community_id, "json",
           *sorted((k, v) for k, v in FIRST_PAGE.items() if v is not None))
    with board.app.test_request_context(FACES["json"][0].format(id=board.community_id)):
        boardcache._share(key, ("older",),
                          clock.now() - timedelta(seconds=3), boardcache.Rendered(b"old", "e", "x"))
    [(_path, still, body)] = _stored()
    assert still == stored_at and body != b"old"


def test_the_page_and_the_json_of_a_board_come_from_one_computation(board, clock, count_queries,
                                                                    cache_on, monkeypatch, app):
    _get(board, "html", count_queries)
    cold = count_queries.count
    served = _get(board, "json", count_queries)
    warm = count_queries.count
    assert warm <= 6 < cold, (cold, warm)  # versions, the store, the read mark: no figures
    monkeypatch.setitem(app.config, "SUNLIGHT_BOARD_CACHE_SECONDS", 0)
    assert _get(board, "json") == served  # the same answer as a board computed for it alone
    monkeypatch.setitem(app.config, "SUNLIGHT_BOARD_CACHE_SECONDS", 10)
    created = board.submit(public=True)  # a change: both faces computed again
    assert created["no"].encode() in _get(board, "json")
    assert created["no"].encode() in _get(board, "html")


def test_the_refresher_computes_a_board_afresh_each_round(board, clock, count_queries, cache_on):
    _get(board, "html", count_queries)
    cold = count_queries.count  # one computation of the board, and its page
    _get(board, "json")
    clock.advance(seconds=6)  # both renderings half a lifetime old, and the board they share
    count_queries.count = 0
    assert _refresh(clock) == "2 public pages rendered again"
    assert count_queries.count >= cold  # the board computed again (once: the JSON reuses it)
