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
