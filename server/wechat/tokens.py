"""Where the access token lives: one copy shared by every process, refreshed under a lock.

``stable_token`` returns the same token to every caller while it is valid, so processes never
invalidate each other's token; the store only saves calls (WeChat counts them per day) and
keeps one refresh at a time. The database store is the default; with ``REDIS_URL`` the token
lives in Redis and the lock is a Redis lock.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError

from server.extensions import db
from server.wechat.models import AccessToken

LOCK_SECONDS = 30  # longest a refresh may hold the lock (the HTTP timeout is far shorter)


class LockBusy(RuntimeError):
    """Another process held the refresh lock for too long."""


@dataclass(frozen=True)
class CachedToken:
    token: str
    expires_at: datetime


class DatabaseTokenStore:
    """The token in ``wechat_access_tokens``, read and written on connections of its own so
    that the caller's transaction is neither committed nor rolled back by a refresh."""

    def __init__(self, lock_dir: str):
        self.lock_dir = Path(lock_dir)

    def get(self, appid: str) -> CachedToken | None:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(AccessToken.token, AccessToken.expires_at).where(AccessToken.appid == appid)
            ).first()
        return CachedToken(row.token, row.expires_at) if row else None

    def put(self, appid: str, token: str, expires_at: datetime, now: datetime) -> None:
        table = AccessToken.__table__
        with db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.appid == appid))
            conn.execute(table.insert().values(appid=appid, token=token, expires_at=expires_at,
                                               updated_at=now))

    def discard(self, appid: str, token: str) -> None:
        table = AccessToken.__table__
        with db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.appid == appid, table.c.token == token))

    @contextmanager
    def lock(self, appid: str) -> Iterator[None]:
        if db.engine.dialect.name == "postgresql":
            key = zlib.crc32(f"wechat-token:{appid}".encode())
            with db.engine.connect() as conn:
                conn.execute(text("SET lock_timeout = '30s'"))
                try:
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                except OperationalError:
                    raise LockBusy(appid) from None
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        else:  # SQLite lives on one machine: a file lock beside it serialises the processes
            self.lock_dir.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.lock_dir / f"wechat-token-{appid}.lock"), timeout=LOCK_SECONDS)
            try:
                lock.acquire()
            except Timeout:
                raise LockBusy(appid) from None
            try:
                yield
            finally:
                lock.release()


class RedisTokenStore:
    """The token in a Redis hash that expires with it; the refresh lock is a Redis lock."""

    _DISCARD = "if redis.call('hget', KEYS[1], 'token') == ARGV[1] then " \
               "return redis.call('del', KEYS[1]) else return 0 end"

    def __init__(self, url: str, prefix: str = "huying:wechat:"):
        import redis

        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix

    def _key(self, appid: str) -> str:
        return f"{self.prefix}access_token:{appid}"

    def get(self, appid: str) -> CachedToken | None:
        row = self.redis.hgetall(self._key(appid))
        if not row:
            return None
        return CachedToken(row["token"], datetime.fromtimestamp(float(row["expires_at"]), UTC))

    def put(self, appid: str, token: str, expires_at: datetime, now: datetime) -> None:
        key = self._key(appid)
        ttl = max(1, int((expires_at - now).total_seconds()))
        with self.redis.pipeline() as pipe:
            pipe.hset(key, mapping={"token": token, "expires_at": expires_at.timestamp()})
            pipe.expire(key, ttl)
            pipe.execute()

    def discard(self, appid: str, token: str) -> None:
        self.redis.eval(self._DISCARD, 1, self._key(appid), token)

    @contextmanager
    def lock(self, appid: str) -> Iterator[None]:
        from redis.exceptions import LockError

        lock = self.redis.lock(f"{self.prefix}lock:{appid}", timeout=LOCK_SECONDS,
                               blocking_timeout=LOCK_SECONDS)
        if not lock.acquire():
            raise LockBusy(appid)
        try:
            yield
        finally:
            with suppress(LockError):  # held past its timeout and taken over: nothing to release
                lock.release()


def store_from_config(config, instance_path: str):
    url = config.get("REDIS_URL")
    return RedisTokenStore(url) if url else DatabaseTokenStore(instance_path)
