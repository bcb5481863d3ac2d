"""Extension objects, created unbound and wired by ``create_app``."""

from __future__ import annotations

import logging
import select

from flask import current_app
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, literal, update
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def lock_rows(model, *where) -> int:
    """Take the write lock on the rows of ``model`` matching ``where`` until the commit: a
    no-op UPDATE, so the same code locks on both databases (PostgreSQL: those rows; SQLite:
    the database's single writer lock). What the transaction reads afterwards includes every
    write committed before it got the lock, so a count-then-write behind it cannot race.
    Returns the number of rows matched."""
    statement = (update(model).where(*where).values(id=model.id)
                 .execution_options(synchronize_session=False, lock_only=True))
    return db.session.execute(statement).rowcount


def one_of(column, values):
    """``column IN (values)`` for constants, each its own bound parameter fixed when the
    statement is built. ``column.in_([...])`` makes the list one "expanding" parameter, which
    SQLAlchemy writes into the SQL text again on every execution: about 0.2 ms of the
    committee desk's statement. The SQL the database receives is the same."""
    return column.in_([literal(value, column.type) for value in values])


class JWTManagerRemembering(JWTManager):
    """``JWTManager`` that verifies each access token once per worker, when the app holds a
    ``verified_tokens`` memory (``server.accounts.verified``).

    It overrides ``_decode_jwt_from_config``, the one method of Flask-JWT-Extended (4.7, pinned)
    through which every verified decode passes; ``tests/accounts/test_verified_tokens.py``
    fails if a new version stops calling it."""

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None,
                                allow_expired: bool = False) -> dict:
        remembered = current_app.extensions.get("verified_tokens")
        if remembered is None or csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        claims = remembered.get(encoded_token)
        if claims is None:
            claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
            remembered.put(encoded_token, claims)
        return claims


migrate = Migrate()
jwt = JWTManagerRemembering()


def init_session_teardown(app) -> None:
    """End each request's session even when the database dropped the connection after the
    answer was made (a restart between the commit and the teardown). Closing the session sends a
    rollback, which fails on a dead connection; unhandled, that failure escapes after the
    response was built and the client gets a bare 500 for a request that succeeded. The pool has
    already discarded the dead connection; the session is closed again (now without a live
    transaction) and dropped. Registered after Flask-SQLAlchemy's own teardown, so it runs first
    and leaves that one nothing to do."""

    @app.teardown_appcontext
    def _end_session(_error):
        try:
            db.session.remove()
        except DBAPIError as error:
            log.warning("request's database connection lost at teardown: %s",
                        type(error.orig).__name__)
            try:
                db.session.remove()
            except DBAPIError:
                db.session.registry.clear()


def _engine_of(app, dialect: str):
    """The app's engine when its database is ``dialect``'s (``postgresql``, ``sqlite``), else
    None: for the hooks that only one database needs."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith(dialect):
        return None
    with app.app_context():
        return db.engine


def init_postgresql_liveness(app) -> None:
    """Discard, at checkout, a pooled PostgreSQL connection the server has closed, without a
    round trip: ``pool_pre_ping`` sent one with every checkout (a quarter of an authenticated
    read's waiting on PostgreSQL, in py-spy). An idle connection's socket has nothing to read
    unless the server spoke: a terminated backend (a restart, a failover,
    ``pg_terminate_backend``) writes its FATAL message and closes it. Such a connection (or
    one already broken) raises ``DisconnectionError``, on which the pool opens a fresh one —
    SQLAlchemy's own recipe for pessimistic disconnect handling. A connection that dies
    silently is found by its next statement: that request answers 503 (``server.http``) and
    the pool drops every connection older than it."""
    engine = _engine_of(app, "postgresql")
    if engine is None:
        return

    @event.listens_for(engine, "checkout")
    def _closed_by_server(dbapi_connection, _record, _proxy):
        if dbapi_connection.closed or dbapi_connection.broken:
            raise DisconnectionError("connection closed")
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        if poller.poll(0):  # the server spoke to an idle connection: it is going away
            raise DisconnectionError("the server closed the connection")


READ_METHODS = frozenset({"GET", "HEAD"})

# Statements a read may run outside a transaction: a plain SELECT. A row lock (FOR UPDATE /
# FOR SHARE) or a transaction-scoped advisory lock would be released at once in autocommit.
_LOCKS = ("FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE", "advisory_xact_lock")


def needs_transaction(statement: str) -> bool:
    """Whether ``statement`` must run inside a transaction: anything but a plain SELECT."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return True  # INSERT, UPDATE, DELETE, WITH (may write), SAVEPOINT, DDL …
    return any(lock in statement for lock in _LOCKS)


def init_postgresql_read_requests(app) -> None:
    """A GET or HEAD request on PostgreSQL reads without a transaction until it first writes.

    psycopg opens a transaction with its own round trip (``BEGIN``) before the first statement
    and the session's end sends another (``ROLLBACK``): for an authenticated list of two
    SELECTs, half the round trips of the request. A connection checked out by a read request
    is put in autocommit; before its first statement that is not a plain SELECT (a write, a row
    lock, a savepoint) autocommit is turned off again, so psycopg opens the transaction right
    there and that statement and every later one commit or roll back together, as in any
    other request. A server-side cursor (streamed rows) lives only inside a transaction: its
    SELECT opens one too. Under READ COMMITTED, PostgreSQL's default and the app's, each statement
    takes its own snapshot either way: the SELECTs before the first write see what they would
    have seen inside the transaction. The connection leaves the request's hands as it came:
    autocommit off. SQLite needs none of this: its driver opens a transaction only before a
    write."""
    engine = _engine_of(app, "postgresql")
    if engine is None:
        return
    from flask import has_request_context, request
    from psycopg import ServerCursor

    @event.listens_for(engine, "checkout")
    def _reads_in_autocommit(dbapi_connection, _record, _proxy):
        if has_request_context() and request.method in READ_METHODS:
            dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkin")
    def _transactions_again(dbapi_connection, _record):
        if dbapi_connection is not None and dbapi_connection.autocommit and not dbapi_connection.closed:
            dbapi_connection.autocommit = False  # idle: the pool rolled back before checkin

    @event.listens_for(engine, "before_cursor_execute")
    def _transaction_from_first_write(_conn, cursor, statement, _parameters, _context, _many):
        connection = cursor.connection
        if connection.autocommit and (needs_transaction(statement) or isinstance(cursor, ServerCursor)):
            connection.autocommit = False  # psycopg sends BEGIN before this statement


def init_sqlite_pragmas(app) -> None:
    """Foreign keys on, and WAL so that readers do not block the writer."""
    engine = _engine_of(app, "sqlite")
    if engine is None:
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
