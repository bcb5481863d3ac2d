"""Huying (呼应): the composition root.

``create_app`` wires configuration, extensions, the faces (mini-program API, public pages,
Open311) and CLI commands. Nothing here does I/O or starts threads; the scheduler runs in its
own process (``flask scheduler run``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.pool import QueuePool


def create_app(test_config: dict | None = None) -> Flask:
    from server import (  # noqa: F401
        clock,
        config,
        extensions,
        faces,
        http,
        models,
        ops,
        privacy,
        security,
    )
    from server.accounts import tokencache, tokens
    from server.cli import register_cli
    from server.http import FastJSON

    app = Flask(__name__, instance_path=str(config.INSTANCE))
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    config.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))
    app.json = FastJSON(app)  # http.JSONProvider's strict reading, orjson's writing
    app.json.ensure_ascii = False
    privacy.init_logging()  # no query string (secrets, codes, tokens) in any logged URL

    extensions.db.init_app(app)
    extensions.init_session_teardown(app)
    extensions.init_sqlite_pragmas(app)
    extensions.init_postgresql_liveness(app)
    extensions.init_postgresql_read_requests(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
    )
    clock.init_app(app)
    tokens.init_app(app)
    tokencache.init_app(app)
    ops.init_app(app)
    faces.init_app(app)
    security.init_app(app)
    register_cli(app)
    return app


def _engine_options(cfg) -> dict:
    uri = str(cfg["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("sqlite"):
        # Writers wait for each other instead of failing with "database is locked".
        options = {"connect_args": {"timeout": 30}, "hide_parameters": True}
        if _sqlite_file(uri):  # a file: the same sized pool as PostgreSQL (and its metrics)
            options.update(poolclass=QueuePool, pool_size=cfg["DB_POOL_SIZE"],
                           max_overflow=cfg["DB_MAX_OVERFLOW"])
        return options
    # hide_parameters: a database error's message never carries the values (names, phones).
    # jit=off: PostgreSQL compiles a query to machine code once its estimated cost passes
    # jit_above_cost; for the committee's figures that took 20-30 ms a query, more than a
    # query of a few thousand rows runs, and nothing here runs long enough to gain it back.
    # timezone=UTC: every stored moment is UTC (``UTCDateTime``); whatever the server's own
    # zone, psycopg then returns them with ``datetime.UTC`` itself, which needs no conversion.
    # No pool_pre_ping: a closed connection is found without a round trip at checkout
    # (``extensions.init_postgresql_liveness``).
    return {"hide_parameters": True, "pool_size": cfg["DB_POOL_SIZE"],
            "max_overflow": cfg["DB_MAX_OVERFLOW"],
            "connect_args": {"options": "-c jit=off -c timezone=UTC"}}


def _sqlite_file(uri: str) -> bool:
    """A SQLite URI naming a file (an in-memory database keeps SQLAlchemy's own pool)."""
    database = uri.split("://", 1)[-1].lstrip("/")
    return bool(database) and ":memory:" not in database and "mode=memory" not in database
