"""The leader lock: only the holder runs jobs; other scheduler processes wait for it.

On PostgreSQL a session-level advisory lock held on a dedicated connection (released by the
server if the process dies); on SQLite a file lock beside the database file.
"""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Engine

LOCK_KEY = zlib.crc32(b"huying.scheduler")  # a stable 32-bit key for pg_advisory_lock


class PostgresLock:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection = None

    def try_acquire(self) -> bool:
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
        return bool(got.scalar())

    def alive(self) -> bool:
        """Still holding it: the connection (and so the session-level lock) is alive."""
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            finally:
                self.connection.close()
                self.connection = None


class SqliteFileLock:
    def __init__(self, database: str):
        # Not thread-local: the lock is taken in the main thread and watched from the
        # scheduler's worker threads, which must see it held.
        self.lock = FileLock(str(Path(database).with_suffix(".scheduler.lock")), thread_local=False)

    def try_acquire(self) -> bool:
        try:
            self.lock.acquire(timeout=0)
            return True
        except Timeout:
            return False

    def alive(self) -> bool:
        return self.lock.is_locked

    def release(self) -> None:
        if self.lock.is_locked:
            self.lock.release(force=True)


def leader_lock(engine: Engine):
    if engine.dialect.name == "postgresql":
        return PostgresLock(engine)
    return SqliteFileLock(engine.url.database or "huying.db")


def wait_for(lock, stopping: threading.Event, *, poll_seconds: float, on_wait,
             on_poll=None) -> bool:
    """Block until ``lock`` is ours (True) or ``stopping`` is set (False); ``on_poll`` is
    called at each attempt that fails (the standby's heartbeat)."""
    told = False
    while not stopping.is_set():
        if lock.try_acquire():
            return True
        if on_poll is not None:
            on_poll()
        if not told:
            on_wait()
            told = True
        stopping.wait(poll_seconds)
    return False
