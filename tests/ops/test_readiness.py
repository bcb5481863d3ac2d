"""Readiness (``/readyz``) and request ids: what a load balancer and an operator rely on."""

from __future__ import annotations

import pytest

from server import create_app
from server.extensions import db
from server.version import VERSION


def test_ready_when_the_database_answers_at_the_migrations_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["data"] == {"database": "ok", "migrations": "ok", "version": VERSION}


def test_not_ready_before_the_migrations_ran(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["code"] == 50306 and response.headers["Retry-After"]
    assert "flask db upgrade" in body["errors"]["migrations"][0]
    assert "database" not in body["errors"]
    with app.app_context():
        db.engine.dispose()


def test_not_ready_without_database_or_redis_and_no_secret_in_the_reasons():
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://huying:s3cret-pw@127.0.0.1:9/huying",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        "REDIS_URL": "redis://:r3dis-pw@127.0.0.1:9/3",
    })
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    errors = response.json["errors"]
    assert errors["database"] == ["database unreachable (OperationalError)"]
    assert errors["redis"][0].startswith("redis unreachable")
    assert "pw" not in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("given", ["abc-123_X.y", "0" * 64])
def test_a_sane_request_id_is_taken_and_echoed(client, given):
    response = client.get("/api/v1/ping", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given


@pytest.mark.parametrize("given", [None, "", "a b", "x" * 65, "a;b=c", "中文"])
def test_otherwise_a_request_id_is_generated(client, given):
    headers = {} if given is None else {"X-Request-ID": given}
    response = client.get("/api/v1/ping", headers=headers)
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32 and rid != given
    assert client.get("/api/v1/ping").headers["X-Request-ID"] != rid


def test_the_error_envelope_carries_the_request_id(client):
    response = client.get("/api/v1/requests/1", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 401
    assert response.json["request_id"] == "trace-42"
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.json["request_id"] == response.headers["X-Request-ID"]
