"""The token check's short-lived cache, which a revocation still defeats at once.

Every authenticated request used to read its user, their roles and the token's revocations
from the database: one statement and an ORM object, two fifths of a resident's list in a
profile. A web worker now keeps, for each access token it has checked (by ``jti``), the user
as read then, for at most ``AUTH_CACHE_SECONDS``. It is valid only while two stamps in Redis
are what they were before that read: the user's own and one for everybody.

Every commit that writes a user, a role grant or a revoked token increments the stamp of each
user it touched (``INCR``) before the request that made it answers; a bulk statement over those
tables, whose rows are not known, increments everybody's. A request reads both stamps first
(one ``MGET``, about 80 µs, a fraction of the statement it replaces) and takes the database's
answer whenever they changed; so a logout, a deactivation or a withdrawn role, from any
worker, the scheduler or a command, refuses the next request at once. The stamps are read
before the database: a change committed in between leaves an older stamp with the entry, and
the next request reads again.

Without Redis (development, tests, a deployment without ``REDIS_URL``) nothing is cached. When
Redis does not answer, the request reads the database (never the cache). If a change's
increment itself fails (Redis down at that instant), workers that hold the user may keep the
state from before it for at most ``AUTH_CACHE_SECONDS``; the failure is logged. A change made
outside the app (by hand in ``psql``) takes effect within the same bound.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.accounts.models import RevokedToken, RoleGrant, User

log = logging.getLogger(__name__)

PREFIX = "huying:auth:"
MAX_ENTRIES = 20_000
_TABLES = frozenset({User.__tablename__, RoleGrant.__tablename__, RevokedToken.__tablename__})


@dataclass(frozen=True, slots=True)
class _Entry:
    user: User  # detached, never attached to a session: each request merges a copy
    stamps: tuple
    until: datetime


class TokenCache:
    """Per process. With ``seconds`` 0 it only announces changes (a process that caches
    nothing still tells the others)."""

    def __init__(self, client, seconds: int, prefix: str = PREFIX):
        self.client = client
        self.prefix = prefix
        self.everyone = prefix + "everyone"
        self.enabled = seconds > 0
        self.lifetime = timedelta(seconds=seconds)
        # A user's stamp outlives any entry that could have seen its previous value.
        self.stamp_seconds = 2 * seconds + 60
        self.entries: dict[str, _Entry] = {}
        self.lock = threading.Lock()

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def stamps(self, user_id: int) -> tuple | None:
        """The user's and everybody's stamps now; None when Redis does not answer."""
        from redis.exceptions import RedisError

        try:
            return tuple(self.client.mget(self._user_key(user_id), self.everyone))
        except RedisError as error:
            log.warning("token cache: redis unreachable (%s); reading the database",
                        type(error).__name__)
            return None

    def get(self, jti: str, stamps: tuple, now: datetime) -> User | None:
        entry = self.entries.get(jti)
        if entry is None or entry.stamps != stamps or entry.until <= now:
            return None
        return entry.user

    def put(self, jti: str, user: User, stamps: tuple, now: datetime) -> None:
        """Keep a detached copy of ``user`` (with its grants) as read under ``stamps``."""
        scratch = Session()
        copy = scratch.merge(user, load=False)
        scratch.close()
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()  # rare; simpler than an LRU, and only costs a re-read
            self.entries[jti] = _Entry(copy, stamps, now + self.lifetime)

    def bump(self, user_ids: set[int], everyone: bool) -> None:
        from redis.exceptions import RedisError

        try:
            with self.client.pipeline(transaction=False) as pipe:
                for user_id in user_ids:
                    pipe.incr(self._user_key(user_id))
                    pipe.expire(self._user_key(user_id), self.stamp_seconds)
                if everyone:
                    pipe.incr(self.everyone)
                pipe.execute()
        except RedisError as error:
            log.error("token cache: a change to %d account(s) could not be announced (%s); "
                      "other workers may keep the former state up to %d s",
                      len(user_ids) + everyone, type(error).__name__, self.lifetime.seconds)


def init_app(app) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    app.extensions["token_cache"] = TokenCache(client, app.config["AUTH_CACHE_SECONDS"])


def of(app) -> TokenCache | None:
    return app.extensions.get("token_cache")


# --- changes: which accounts a commit touched --------------------------------------------------

_CHANGED = "token_cache_changed"


def _note(session, user_ids=(), everyone: bool = False) -> None:
    changed = session.info.setdefault(_CHANGED, [set(), False])
    changed[0].update(uid for uid in user_ids if uid is not None)
    changed[1] = changed[1] or everyone


@event.listens_for(Session, "after_flush")
def _flushed(session, _context) -> None:
    ids = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            ids.append(obj.id)
        elif isinstance(obj, RoleGrant | RevokedToken):
            ids.append(obj.user_id)
            if isinstance(obj, RevokedToken) and obj.user_id is None:
                _note(session, everyone=True)
    if ids:
        _note(session, ids)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state) -> None:
    """An UPDATE, DELETE or INSERT statement over the accounts' tables: whose rows is not
    known, so everybody's entries go (a row lock that changes nothing, ``lock_rows``, aside)."""
    if (state.is_update or state.is_delete or state.is_insert) \
            and not state.execution_options.get("lock_only"):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _TABLES:
            _note(state.session, everyone=True)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed is None or not has_app_context():
        return
    cache = of(current_app)
    if cache is not None:
        cache.bump(*changed)

# Nothing is forgotten on a rollback: a savepoint's rollback does not undo what the outer
# transaction flushed before it, and announcing a change that did not happen only costs a
# re-read.
