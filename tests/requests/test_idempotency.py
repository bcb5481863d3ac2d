"""``Idempotency-Key`` on submission, as docs/contract.md describes it."""

from __future__ import annotations

from sqlalchemy import func, select

from server.extensions import db
from server.requests.models import IdempotencyKey, Request

BODY = {"category_code": "facilities", "description": "路灯不亮，晚上很黑", "section_id": 1}


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(Request))


def test_same_key_and_body_replays_the_first_response(world):
    api = world.as_("demo-resident")
    first = api.post("/api/v1/requests", BODY, headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/requests", BODY, headers={"Idempotency-Key": "k-1"})
    assert first.status == again.status == 201
    assert again.data == first.data
    assert _requests() == 1


def test_same_key_with_another_body_is_422(world):
    api = world.as_("demo-resident")
    api.post("/api/v1/requests", BODY, headers={"Idempotency-Key": "k-2"})
    other = api.post("/api/v1/requests", {**BODY, "description": "另一件事情需要处理"},
                     headers={"Idempotency-Key": "k-2"})
    assert other.status == 422 and other.code == 42201
    assert _requests() == 1


def test_a_duplicate_while_the_first_is_in_flight_is_409(world):
    api = world.as_("demo-resident")
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps({**BODY, "address": None, "lat": None, "lng": None,
                                        "photo_ids": [], "public": False}, sort_keys=True).encode()).hexdigest()
    db.session.add(IdempotencyKey(user_id=world.user("demo-resident").id, key="k-3", body_hash=digest,
                                  state="pending", created_at=world.clock.now()))
    db.session.commit()
    response = api.post("/api/v1/requests", BODY, headers={"Idempotency-Key": "k-3"})
    assert response.status == 409 and response.code == 40903
    assert _requests() == 0


def test_keys_are_per_user_and_a_failed_attempt_releases_its_key(world):
    first = world.as_("demo-resident").post("/api/v1/requests", {**BODY, "category_code": "nope"},
                                            headers={"Idempotency-Key": "k-4"})
    assert first.status == 422
    retry = world.as_("demo-resident").post("/api/v1/requests", BODY, headers={"Idempotency-Key": "k-4"})
    assert retry.status == 201
    other_user = world.as_("demo-resident-2").post("/api/v1/requests", BODY,
                                                   headers={"Idempotency-Key": "k-4"})
    assert other_user.status == 201 and other_user.data["id"] != retry.data["id"]


def test_overlong_key_is_422(world):
    response = world.as_("demo-resident").post("/api/v1/requests", BODY,
                                               headers={"Idempotency-Key": "k" * 129})
    assert response.status == 422
