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
