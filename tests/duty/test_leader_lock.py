"""The leader lock is seen as held from every thread of the process that took it."""

from __future__ import annotations

import threading

from server.scheduler.lock import leader_lock


def test_the_lock_is_alive_from_the_scheduler_threads(ctx):
    from server.extensions import db

    lock = leader_lock(db.engine)
    assert lock.try_acquire()
    try:
        seen = []
        watcher = threading.Thread(target=lambda: seen.append(lock.alive()))
        watcher.start()
        watcher.join(timeout=10)
        # the scheduler checks the lock from its worker threads every 30 s
        assert seen == [True]
        rival = leader_lock(db.engine)
        try:
            assert not rival.try_acquire()
        finally:
            rival.release()
    finally:
        lock.release()
