"""Readiness: may this process take traffic? The database answers, the schema is at the
migrations' head, and Redis answers where it is configured. Liveness (``/api/v1/ping``) stays
free of all of this."""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import text

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@functools.cache
def migration_heads() -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def checks(app) -> dict[str, str | None]:
    """``{check: None when fine, else a reason}``; reasons name the failure, never a secret."""
    from server.extensions import db

    out: dict[str, str | None] = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                current = {r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))}
            except Exception:
                current = set()
        out["database"] = None
        heads = migration_heads()
        out["migrations"] = None if current == set(heads) else (
            f"schema at {','.join(sorted(current)) or 'nothing'}, code expects {','.join(sorted(heads))}"
            " (run flask db upgrade)")
    except Exception as exc:
        out["database"] = f"database unreachable ({type(exc).__name__})"
        out["migrations"] = "unknown (database unreachable)"
    url = app.config.get("REDIS_URL")
    if url:
        try:
            _redis(app, url).ping()
            out["redis"] = None
        except Exception as exc:
            out["redis"] = f"redis unreachable ({type(exc).__name__})"
    return out


def _redis(app, url: str):
    client = app.extensions.get("ops_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        app.extensions["ops_redis"] = client
    return client
