"""Unexpected errors are logged by type and place, never with their message or the SQL values.

A database error's message quotes the statement and (unless hidden) its parameters; other
exceptions quote the data they choked on. Both carried names and phones into the log.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from server.accounts.models import User
from server.extensions import db

PHONE = "13912348765"
NAME = "欧阳娜娜"


def _integrity_error(world) -> IntegrityError:
    """A real constraint violation whose statement carries a name and a phone."""
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(insert(User).values(openid="demo-resident", name=NAME, phone=PHONE))
    db.session.rollback()
    return caught.value


def test_database_errors_do_not_quote_their_parameters(world):
    """SQLAlchemy hides the values it sent. (PostgreSQL's own detail may still quote the
    failing row: which is why the handler never logs a message at all.)"""
    error = _integrity_error(world)
    assert "parameters hidden" in str(error)


def test_a_constraint_lost_to_a_concurrent_writer_is_a_409_logged_by_type_only(world, app, caplog):
    error = _integrity_error(world)
    with caplog.at_level(logging.DEBUG), app.test_request_context("/api/v1/requests"):
        response = app.handle_user_exception(error)
    assert response.status_code == 409 and response.get_json()["code"] == 40991
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert type(error.orig).__name__ in text
    assert PHONE not in text and NAME not in text
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("make", [
    lambda world: ValueError(f"bad phone {PHONE} of {NAME}"),
    lambda world: KeyError(PHONE),
])
def test_the_error_handler_logs_type_and_place_only(world, app, caplog, make):
    error = make(world)
    try:
        raise error
    except Exception as raised:  # a traceback, as a real failure has
        error = raised
    with caplog.at_level(logging.DEBUG), app.test_request_context("/api/v1/requests"):
        response = app.handle_user_exception(error)
    assert response.status_code == 500 and response.get_json()["code"] == 50000
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert type(error).__name__ in text and "test_error_logs.py" in text
    assert PHONE not in text and NAME not in text
    assert all(r.exc_info is None for r in caplog.records)  # no formatter can print the message


def test_open311_errors_are_logged_the_same_way(world, app, caplog):
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError as raised:
        error = raised
    with caplog.at_level(logging.DEBUG), app.test_request_context("/open311/v2/requests.json"):
        handler = app.error_handler_spec["open311"][None][Exception]
        response = handler(error)
    assert response.status_code == 500
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in text and PHONE not in text
