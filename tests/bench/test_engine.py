"""How the app's database connections are set up for speed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from server.extensions import db


@pytest.mark.postgres_only
def test_postgresql_does_not_compile_the_apps_queries_to_machine_code(ctx):
    """JIT compilation cost the committee's figures 20-30 ms a query, more than they run."""
    assert db.session.execute(text("SHOW jit")).scalar_one() == "off"


@pytest.mark.postgres_only
def test_postgresql_sessions_run_in_utc_and_moments_come_back_as_utc_itself(ctx, world):
    """Whatever the server's own zone: a stored moment comes back with ``datetime.UTC`` (no
    conversion per value: a board reads 200,000 of them), equal to what was stored."""
    from datetime import UTC

    from server.requests.models import Request

    assert db.session.execute(text("SHOW timezone")).scalar_one() == "UTC"
    created = world.submit()
    db.session.expunge_all()
    submitted = db.session.get(Request, created["id"]).submitted_at
    assert submitted.tzinfo is UTC and submitted == world.clock.now()


@pytest.mark.postgres_only
def test_pooled_connections_the_server_closed_are_replaced_at_checkout(app):
    """No round trip per checkout (no ``pool_pre_ping``), yet a connection whose backend was
    terminated while it sat in the pool is never handed out."""
    import psycopg

    from tests.conftest import PG_URL

    with app.app_context():
        assert not db.engine.pool._pre_ping
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back to the pool, idle beside the others
        others = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                  "AND pid <> pg_backend_pid()")
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            idle = [row[0] for row in conn.execute(others)]
            assert pid in idle
            for backend in idle:
                conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
            # until every backend has exited (its FATAL message sent): polled, not slept
            assert any(not conn.execute(others).fetchall() for _ in range(10_000))
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() not in idle
        db.session.remove()


def _transaction_status():
    return db.session.connection().connection.dbapi_connection.info.transaction_status


@pytest.mark.parametrize(("statement", "transaction"), [
    ("SELECT requests.id FROM requests", False),
    ("\n  select 1", False),
    ("SELECT requests.id FROM requests FOR UPDATE", True),
    ("SELECT requests.id FROM requests FOR NO KEY UPDATE SKIP LOCKED", True),
    ("SELECT pg_advisory_xact_lock(7)", True),
    ("INSERT INTO users (id) VALUES (1)", True),
    ("WITH moved AS (UPDATE requests SET hop = 1 RETURNING id) SELECT id FROM moved", True),
    ("SAVEPOINT sa_savepoint_1", True),
])
def test_only_a_plain_select_may_run_outside_a_transaction(statement, transaction):
    from server.extensions import needs_transaction

    assert needs_transaction(statement) is transaction


@pytest.mark.postgres_only
def test_a_read_request_opens_no_transaction_until_it_writes_and_then_its_writes_are_atomic(ctx):
    """GET: no BEGIN for its SELECTs (a round trip each way saved); its first write opens the
    transaction, and a rollback undoes every write of it."""
    from psycopg.pq import TransactionStatus

    from server.accounts.models import RevokedToken

    moment = ctx.extensions["clock"].now()
    db.session.remove()
    with ctx.test_request_context("/api/v1/requests/mine", method="GET"):
        db.session.execute(text("SELECT 1"))
        assert _transaction_status() == TransactionStatus.IDLE
        db.session.add(RevokedToken(jti="first", reason="logout", expires_at=moment, created_at=moment))
        db.session.flush()
        assert _transaction_status() == TransactionStatus.INTRANS
        db.session.add(RevokedToken(jti="second", reason="logout", expires_at=moment, created_at=moment))
        db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert db.session.query(RevokedToken).count() == 0


@pytest.mark.postgres_only
def test_a_read_request_keeps_its_row_locks_and_other_requests_their_transaction(ctx):
    from psycopg.pq import TransactionStatus

    db.session.remove()
    with ctx.test_request_context("/", method="GET"):
        db.session.execute(text("SELECT 1 FOR UPDATE"))  # released at once in autocommit
        assert _transaction_status() == TransactionStatus.INTRANS
        db.session.remove()
    with ctx.test_request_context("/", method="GET"):  # streamed rows: a server-side cursor
        rows = db.session.execute(text("SELECT generate_series(1, 3)").execution_options(yield_per=2))
        assert [value for (value,) in rows] == [1, 2, 3]
        assert _transaction_status() == TransactionStatus.INTRANS
        db.session.remove()
    with ctx.test_request_context("/", method="POST"):
        db.session.execute(text("SELECT 1"))
        assert _transaction_status() == TransactionStatus.INTRANS
        db.session.remove()
    # a connection a read request used goes back to the pool with transactions on
    with ctx.test_request_context("/", method="GET"):
        db.session.execute(text("SELECT 1"))
        used = db.session.connection().connection.dbapi_connection
        assert used.autocommit
        db.session.remove()
    assert not used.autocommit
