"""Fixtures: the app on SQLite and on PostgreSQL, the fake WeChat on loopback, a frozen clock.

Every test that uses ``app`` runs twice: ``[sqlite]`` and ``[postgresql]``. PostgreSQL is
skipped with a message when no server answers, except with ``CI=true``, where that fails.
The schema is built by the migrations (never ``create_all``); each test starts empty.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text
from werkzeug.serving import WSGIRequestHandler, make_server

from server import create_app
from server.clock import FrozenClock, SystemClock
from server.extensions import db
from server.models import import_all
from server.wechat.fake import create_fake_wechat

# Every model defined before any test module is collected: modules build statements at import,
# and one collected first (a single file run on its own) must find every mapper it joins.
import_all()

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres_only`` or ``sqlite_only`` exist for one database only: their other
    variant is deselected (not skipped), so a skip always means something is missing."""
    keep, drop = [], []
    for item in items:
        kind = getattr(getattr(item, "callspec", None), "params", {}).get("app")
        only = ("postgresql" if item.get_closest_marker("postgres_only")
                else "sqlite" if item.get_closest_marker("sqlite_only") else None)
        (drop if only and kind and kind != only else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _postgres_answers(url: str) -> str | None:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


class _QuietHandler(WSGIRequestHandler):
    """No access log: query strings to the fake carry codes and secrets."""

    def log_request(self, *args, **kwargs):
        pass


class LoopbackServer:
    """A WSGI app served on 127.0.0.1 on a free port, in a thread."""

    def __init__(self, wsgi_app):
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True,
                                  request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fake_wechat():
    fake = create_fake_wechat(appid="wx-test-appid")
    with LoopbackServer(fake) as server:
        server.state = fake.extensions["fake_state"]
        yield server


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory, fake_wechat):
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "postgresql":
        problem = _postgres_answers(PG_URL)
        if problem:
            message = f"PostgreSQL not reachable at {PG_URL}: {problem}"
            if os.environ.get("CI") == "true":
                pytest.fail(message + " (CI=true requires it)", pytrace=False)
            pytest.skip(message + " — start it or set TEST_POSTGRES_URL; CI=true makes this a failure")
        uri = PG_URL
    else:
        uri = f"sqlite:///{folder / 'test.db'}"
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "WECHAT_API_BASE": fake_wechat.url,
        "WECHAT_APPID": "wx-test-appid",
        "WECHAT_FAKE": False,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        # The loopback test servers answer any number of threads at once (gunicorn: 4).
        "DB_POOL_SIZE": 10,
        "DB_MAX_OVERFLOW": 20,
        "ABUSE_LIMITS": False,  # tests/security switches them on where it proves them
    })
    with application.app_context():
        if request.param == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
    application.db_kind = request.param
    yield application
    with application.app_context():
        db.engine.dispose()


def _wipe(application) -> None:
    """Empty every table. TRUNCATE fires no row triggers on PostgreSQL; on SQLite the
    append-only triggers of the timeline are dropped and re-created (from their own stored
    SQL) inside the same transaction, so they are never missing for the application."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if application.db_kind == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            triggers = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'request_events'"
            )).all()
            for name, _sql in triggers:
                conn.execute(text(f"DROP TRIGGER {name}"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            for _name, sql in triggers:
                conn.execute(text(sql))


@pytest.fixture
def clock(app):
    frozen = FrozenClock(T0)
    app.extensions["clock"] = frozen
    yield frozen
    app.extensions["clock"] = SystemClock()


@pytest.fixture
def ctx(app, clock, fake_wechat):
    """An app context on an empty database with a frozen clock."""
    fake_wechat.state.failures.clear()
    with app.app_context():
        yield app
        db.session.remove()
        _wipe(app)


@pytest.fixture
def client(ctx):
    return ctx.test_client()


@pytest.fixture
def world(ctx, clock):
    """The demo community and accounts of docs/contract.md, loaded by the real seed loader."""
    from tests.factories import World

    return World.load(ctx, clock)


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


@pytest.fixture
def count_queries(ctx):
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture
def limits_on(app):
    """Abuse limits switched on, with fresh counters, for the tests that prove them."""
    limiter = app.extensions["abuse_limiter"]
    limiter.reset()
    app.config["ABUSE_LIMITS"] = True
    yield limiter
    app.config["ABUSE_LIMITS"] = False
    limiter.reset()
