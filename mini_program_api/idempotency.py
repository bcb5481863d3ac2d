"""``Idempotency-Key`` for submissions, as docs/contract.md says: the same key and body replay the first
response; the same key with another body is 422; a duplicate while the first is in flight is 409.

The key row is claimed in its own transaction (so a concurrent duplicate sees it at once);
the request and the stored response are then committed together, so a crash can never leave
a request without its key or a key pointing at nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from flask import jsonify
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from server import clock
from server.errors import Code, Conflict, Invalid
from server.extensions import db
from server.requests.models import IdempotencyKey


def _respond(body: dict, status: int):
    response = jsonify({"code": 0, "msg": "ok", "data": body})
    response.status_code = status
    return response


def run(*, user, key: str | None, body: dict, produce: Callable, dump: Callable, status: int):
    if key is None:
        result = produce()
        db.session.commit()
        return _respond(dump(result), status)
    if not 1 <= len(key) <= 128:
        raise Invalid("Idempotency-Key 长度应为 1 到 128", errors={"Idempotency-Key": ["1-128 chars"]})
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    claim = IdempotencyKey(user_id=user.id, key=key, body_hash=digest, state="pending",
                           created_at=clock.now())
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _replay(user.id, key, digest)
    claim_id = claim.id
    try:
        result = produce()
        claim.state, claim.response_status, claim.response_body = "done", status, dump(result)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
        db.session.commit()
        raise
    return _respond(claim.response_body, status)


def _replay(user_id: int, key: str, digest: str):
    first = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if first is None:  # the first attempt failed and released its key just now
        raise Conflict("相同的请求正在处理中，请稍后重试", code=Code.IDEMPOTENCY_IN_FLIGHT)
    if first.body_hash != digest:
        raise Invalid("Idempotency-Key 已用于不同的内容", code=Code.IDEMPOTENCY_KEY_REUSED)
    if first.state != "done":
        raise Conflict("相同的请求正在处理中，请稍后重试", code=Code.IDEMPOTENCY_IN_FLIGHT)
    return _respond(first.response_body, first.response_status)
