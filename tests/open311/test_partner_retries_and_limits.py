"""A partner's retry does not create a second request (Idempotency-Key); a key's posts, open
requests and every reader's GETs are limited."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from server.extensions import db
from server.open311.models import Submission
from server.requests.models import Request
from tests.open311.conftest import BASE, Open311, form


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _post(o311, body, key=None, fmt="json"):
    headers = {"Idempotency-Key": key} if key else {}
    return o311.call("POST", "requests", fmt, data=body, headers=headers)


def test_a_retry_with_the_same_key_answers_the_first_request(o311, world, api_key):
    body = form(api_key, world)
    first_status, first, _ = _post(o311, body, "order-7781")
    again_status, again, _ = _post(o311, dict(reversed(list(body.items()))), "order-7781")
    assert first_status == again_status == 201
    assert again == first
    assert _count(Request) == 1 and _count(Submission) == 1
    # another key, or none, is another request
    assert _post(o311, body, "order-7782")[0] == 201
    assert _post(o311, body)[0] == 201
    assert _count(Request) == 3


def test_the_same_key_with_another_body_is_refused(o311, world, api_key):
    assert _post(o311, form(api_key, world), "order-1")[0] == 201
    status, errors, _ = _post(o311, form(api_key, world, description="另一件事：路灯不亮"),
                              "order-1")
    assert status == 400 and "Idempotency-Key" in errors[0]["description"]
    assert _count(Request) == 1


def test_a_key_belongs_to_its_partner(o311, world, api_key, token_key):
    assert _post(o311, form(api_key, world), "shared-id")[0] == 201
    status, answer, _ = _post(o311, form(token_key, world), "shared-id")
    assert status == 201 and "token" in answer[0]
    assert _count(Request) == 2


def test_a_malformed_idempotency_key_is_a_400(o311, world, api_key):
    status, errors, _ = _post(o311, form(api_key, world), "x" * 129)
    assert status == 400 and "Idempotency-Key" in errors[0]["description"]
    assert _count(Request) == 0


def test_concurrent_retries_create_one_request(world, app, api_key):
    racers = 6
    body = form(api_key, world)
    db.session.remove()  # the threads use connections of their own
    barrier = threading.Barrier(racers)
    statuses, answers, lock = [], [], threading.Lock()

    def race() -> None:
        client = Open311(app.test_client())
        barrier.wait(timeout=30)
        status, answer, _ = _post(client, body, "retry-storm")
        with lock:
            statuses.append(status)
            answers.append(answer)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [201] * racers, answers
    assert len({a[0]["service_request_id"] for a in answers}) == 1
    assert _count(Request) == 1


def test_a_key_may_hold_only_so_many_open_requests(o311, world, app, api_key, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_MAX_OPEN_REQUESTS", 2)
    assert [_post(o311, form(api_key, world))[0] for _ in range(2)] == [201, 201]
    status, errors, _ = _post(o311, form(api_key, world))
    assert status == 400 and "上限" in errors[0]["description"]
    assert _count(Request) == 2
    # a finished request frees its place
    request = db.session.scalars(select(Request)).first()
    request.status = "closed"
    db.session.commit()
    assert _post(o311, form(api_key, world))[0] == 201


def test_posts_are_limited_per_key(o311, world, app, api_key, token_key, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_OPEN311_POST", "2 per minute")
    assert [_post(o311, form(api_key, world))[0] for _ in range(3)] == [201, 201, 429]
    status, body, _ = _post(o311, form(api_key, world), fmt="xml")
    root, errors = body
    assert status == 429 and root == "errors" and errors[0]["code"] == "429"
    assert _post(o311, form(token_key, world))[0] == 201  # another key, another bucket


def test_reads_are_limited_per_address_and_big_pages_cost_more(world, app, limits_on,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_OPEN311_READ", "30 per minute")
    client = world.client
    # 1000 rows cost 10 units: the fourth full page is refused, with the spec's error body
    full = [client.get(f"{BASE}/requests.json", query_string={"page_size": "1000"})
            for _ in range(4)]
    assert [r.status_code for r in full] == [200, 200, 200, 429]
    assert full[-1].get_json()[0]["code"] == 429 and int(full[-1].headers["Retry-After"]) > 0
    # every other read shares the address's budget
    assert client.get(f"{BASE}/services.json").status_code == 429


def test_small_pages_go_further(world, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_OPEN311_READ", "30 per minute")
    statuses = [world.client.get(f"{BASE}/requests.json", query_string={"page_size": "50"})
                .status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]


def test_reads_with_a_key_count_against_the_key_too(world, app, api_key, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_OPEN311_READ", "2 per minute")
    one = app.test_client()
    other = app.test_client()
    assert one.get(f"{BASE}/services.json", query_string={"api_key": api_key}).status_code == 200
    assert other.get(f"{BASE}/services.json", query_string={"api_key": api_key},
                     environ_base={"REMOTE_ADDR": "10.1.1.9"}).status_code == 200
    refused = other.get(f"{BASE}/services.json", query_string={"api_key": api_key},
                        environ_base={"REMOTE_ADDR": "10.1.1.10"})
    assert refused.status_code == 429
