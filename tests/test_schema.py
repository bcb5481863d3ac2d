"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

import subprocess
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_the_app_never_creates_tables_itself():
    found = subprocess.run(
        ["grep", "-rn", "create_all", "server", "mini_program_api", "seed", "wsgi.py"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout
    assert found == ""


def test_a_single_migration_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "server" / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
