"""Partners' API keys: created, listed and revoked by operators; checked on every POST.

A key is ``o311_`` plus 32 random bytes (URL-safe base64). Only its SHA-256 is stored: a
high-entropy secret needs no slow hash, and a database leak does not leak usable keys.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import select, update

from server.errors import Forbidden, Invalid, NotFound
from server.extensions import db
from server.open311.models import ApiKey

PREFIX = "o311_"
NAME = re.compile(r"^[\w.-]{1,24}$")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(*, name: str, now: datetime, returns_tokens: bool = False) -> tuple[ApiKey, str]:
    """A new key for partner ``name``; returns the row and the key (shown once, never stored)."""
    if not NAME.match(name):
        raise Invalid("合作方名称须为 1-24 位字母、数字、下划线、点或连字符",
                      errors={"name": ["1-24 letters, digits, _ . -"]})
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, prefix=key[: len(PREFIX) + 6], key_hash=_digest(key),
                 returns_tokens=returns_tokens, created_at=now)
    db.session.add(row)
    db.session.commit()
    return row, key


def all_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke(*, key_id: int, now: datetime) -> ApiKey:
    row = db.session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("API key 不存在")
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.commit()
    return db.session.get(ApiKey, key_id)


def authenticate(key: str | None) -> ApiKey:
    """The active key matching ``key``, or 403 (the spec's status for a missing or bad key)."""
    if not key:
        raise Forbidden("缺少 api_key")
    row = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(key)))
    if row is None or row.revoked_at is not None:
        raise Forbidden("api_key 无效或已吊销")
    return row
