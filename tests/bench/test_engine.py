"""How the app's database connections are set up for speed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from server.extensions import db


@pytest.mark.postgres_only
def test_postgresql_does_not_compile_the_apps_queries_to_machine_code(ctx):
    """JIT compilation cost the committee's figures 20-30 ms a query, more than they run."""
    assert db.session.execute(text("SHOW jit")).scalar_one() == "off"
