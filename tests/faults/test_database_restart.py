"""The database drops every connection of the app under load (as a restart or a failover
does): acknowledged submissions are all there, and the app recovers without a restart.

The machine's PostgreSQL is shared, so it is not restarted: ``pg_terminate_backend`` ends every
session of the test database, which is what the app sees of a restart.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from server.extensions import db
from tests.conftest import PG_URL, LoopbackServer
from tests.faults.conftest import Load, assert_all_persisted, login

pytestmark = pytest.mark.faults

TERMINATE = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _terminate_all_sessions() -> int:
    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return conn.execute(TERMINATE).fetchone()[0]


@pytest.mark.postgres_only
def test_connections_killed_under_load_lose_no_acknowledged_submission(world, postgres):
    section_id = world.section.id
    db.session.remove()  # the test holds no connection: only the app's are in play
    with LoopbackServer(world.app) as server:
        tokens = [login(server.url, f"fault-db-{i}") for i in range(8)]
        load = Load(server.url, section_id, tokens, per_resident=4)
        threads = load.start()
        killed = 0
        for after in (4, 12, 20):
            load.wait_for(after)
            killed += _terminate_all_sessions()
        for thread in threads:
            thread.join(timeout=60)
        assert killed > 0
        assert load.finished == 32
        assert len(load.acknowledged) >= 8, load.failed
        # failures are clean 503s (or nothing at all), never a 500
        assert set(load.failed) <= {"503"}, load.failed

        # the pool recovers (closed connections are discarded at checkout): every later request succeeds
        _terminate_all_sessions()
        after = Load(server.url, section_id, [login(server.url, "fault-db-after")], per_resident=3)
        for thread in after.start():
            thread.join(timeout=60)
        assert after.failed == [] and len(after.acknowledged) == 3
    assert_all_persisted(load.acknowledged + after.acknowledged)


@pytest.mark.postgres_only
def test_connection_lost_after_the_answer_does_not_fail_the_request(app, postgres):
    """The database drops the request's connection between the answer and the teardown: closing
    the session cannot roll back, yet the request ends cleanly and the next one is served."""
    with app.test_request_context("/api/v1/ping"):
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    # leaving the context ran the teardown without raising; a new request gets a live connection
    with app.test_request_context("/api/v1/ping"):
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
