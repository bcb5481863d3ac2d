"""The baseline endpoint: an envelope, no database, in the OpenAPI document."""

from __future__ import annotations


def test_ping_answers_without_the_database(client, count_queries):
    response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.get_json() == {"code": 0, "msg": "ok", "data": {"pong": True}}
    assert count_queries.count == 0


def test_ping_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/ping"]
