"""No N+1: the statements an endpoint sends do not grow with the size of its page."""

from __future__ import annotations

import pytest

from server.extensions import db


def _busy_world(world, clock, n: int = 12) -> list[int]:
    """``n`` requests of demo-resident in every state a list shows, with timelines to load."""
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    ids = []
    for i in range(n):
        rid = world.submit(public=True)["id"]
        ids.append(rid)
        if i % 3 == 0:
            continue  # left dispatched: the member's inbox
        assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
        member.post(f"/api/v1/requests/{rid}/progress", {"note": "在处理"})
        if i % 3 == 2:
            assert member.post(f"/api/v1/requests/{rid}/resolve", {"note": "好了"}).status == 200
    committee.post(f"/api/v1/requests/{ids[2]}/approve")
    world.as_("demo-resident").post(f"/api/v1/requests/{ids[2]}/rate",
                                    {"resolved": True, "satisfaction": "satisfied"})
    return ids


def _counts(world, count_queries, who: str, path: str) -> dict:
    api = world.as_(who)
    counts = {}
    for limit in (1, 4, 12):
        db.session.expunge_all()  # as cold as a fresh request in production
        count_queries.count = 0
        sep = "&" if "?" in path else "?"
        response = api.get(f"{path}{sep}limit={limit}")
        assert response.status == 200, response.body
        assert len(response.data["items"]) == min(limit, len(response.data["items"]))
        counts[limit] = (count_queries.count, len(response.data["items"]))
    return counts


@pytest.mark.parametrize("who, path, at_least", [
    ("demo-member-a", "/api/v1/tasks?scope=available", 4),
    ("demo-member-a", "/api/v1/tasks?scope=mine", 7),
    ("demo-resident", "/api/v1/requests/mine", 12),
    ("demo-committee", "/api/v1/review", 11),
])
def test_list_queries_do_not_grow_with_page_size(world, clock, count_queries, who, path, at_least,
                                                monkeypatch):
    monkeypatch.setitem(world.app.config, "MAX_OPEN_REQUESTS", 0)  # one resident, many requests
    _busy_world(world, clock)
    clock.advance(days=30)  # everything open is overdue: the committee's desk holds it all
    counts = _counts(world, count_queries, who, path)
    assert counts[12][1] >= at_least, counts  # the big page really is bigger
    assert counts[1][0] == counts[4][0] == counts[12][0], counts
    assert counts[12][0] <= 8, counts


@pytest.mark.parametrize("who, at_most", [("demo-resident", 7), ("demo-committee", 8)])
def test_a_request_detail_costs_the_same_few_statements_however_long_its_story(
        world, clock, count_queries, who, at_most, monkeypatch):
    """The token check, the request, its timeline, whistles, photos and ratings (one statement
    each), the viewer's teams; roles come with the token check's user, and an owner's read,
    which records nothing, is not committed and reloaded. A committee read records the staff
    read and commits it once."""
    monkeypatch.setitem(world.app.config, "MAX_OPEN_REQUESTS", 0)  # one resident, many requests
    short, long = world.submit()["id"], _busy_world(world, clock)[2]  # closed and rated
    counts = {}
    for rid in (short, long):
        db.session.expunge_all()
        count_queries.count = 0
        response = world.as_(who).get(f"/api/v1/requests/{rid}")
        assert response.status == 200, response.body
        counts[rid] = (count_queries.count, len(response.data["timeline"]))
    assert counts[long][1] > counts[short][1] + 3, counts  # the long story really is longer
    assert counts[short][0] == counts[long][0] <= at_most, counts
