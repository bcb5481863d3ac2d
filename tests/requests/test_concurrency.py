"""Accepting is a race with exactly one winner, on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from seed.loader import load_accounts
from server.extensions import db
from server.requests import service
from server.requests.models import Event, Request
from tests.factories import Api
from tests.races import race

RACERS = 8


def test_many_members_accept_at_once_and_exactly_one_wins(world, app):
    places = {("QS", "A", "第一网格"): world.team_a}
    load_accounts(
        [{"openid": f"racer-{i}", "roles": ["resident", "member"], "teams": [["QS", "A", "第一网格"]]}
         for i in range(RACERS)],
        places, world.clock.now(),
    )
    db.session.commit()
    tokens = [world.as_(f"racer-{i}").token for i in range(RACERS)]
    rid = world.submit()["id"]
    db.session.remove()  # the threads use connections of their own

    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def race(token: str) -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = Api(client, token).post(f"/api/v1/requests/{rid}/accept")
        with lock:
            results.append((response.status, response.code, token))

    threads = [threading.Thread(target=race, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == RACERS
    winners = [r for r in results if r[0] == 200]
    losers = [r for r in results if r[0] != 200]
    assert len(winners) == 1, results
    assert {(status, code) for status, code, _ in losers} == {(409, 40902)}
    accepts = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.request_id == rid, Event.action == "accept")
    )
    assert accepts == 1
    request = db.session.get(Request, rid)
    winner_id = Api(app.test_client(), winners[0][2]).get("/api/v1/me").data["id"]
    assert request.status == "accepted" and request.handler_id == winner_id


def test_submissions_at_once_cannot_pass_the_open_request_cap(world, app, monkeypatch):
    """Cap 3, one open already, five at once: two more are accepted, three refused (it once let
    all five through)."""
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 3)
    world.submit()
    token = world.as_("demo-resident").token
    resident = world.user("demo-resident").id
    body = {"category_code": "sanitation", "description": "楼道里堆满了杂物，影响通行",
            "section_id": world.section.id}
    db.session.remove()
    answers = race(app, [lambda client: Api(client, token).post("/api/v1/requests", body)
                         for _ in range(5)])
    assert sorted((a.status, a.code) for a in answers) == [(201, 0)] * 2 + [(409, 40906)] * 3
    assert db.session.scalar(select(func.count()).select_from(Request).where(
        Request.resident_id == resident)) == 3


@pytest.mark.postgres_only
def test_a_submission_in_progress_does_not_hold_up_the_next_one(world, app, monkeypatch):
    """The community's counter of the day is bumped in a transaction of its own: while one
    submission's transaction is still open (its number taken, the rest being written), another
    submission in the same community goes through and gets the next number. Bumped inside the
    submission's transaction, it waited for that commit (every submission of a community
    queued on one row)."""
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 0)  # no lock on the resident's row
    token = world.as_("demo-resident").token
    body = {"category_code": "sanitation", "description": "楼道里堆满了杂物，影响通行",
            "section_id": world.section.id}
    first = service.submit(resident=world.user("demo-resident"), category_code="sanitation",
                           description="路灯不亮", section_id=world.section.id,
                           now=world.clock.now(), commit=False)
    answers: list = []
    second = threading.Thread(target=lambda: answers.append(
        Api(app.test_client(), token).post("/api/v1/requests", body)))
    second.start()
    second.join(timeout=20)
    held_up = second.is_alive()
    db.session.commit()  # the first submission ends (and frees anything the second waits on)
    second.join(timeout=60)
    assert not held_up, "the second submission waited for the first one's commit"
    (answer,) = answers
    assert answer.status == 201, answer.body
    prefix, number = first.no.rsplit("-", 1)
    assert answer.data["no"] == f"{prefix}-{int(number) + 1:04d}"
