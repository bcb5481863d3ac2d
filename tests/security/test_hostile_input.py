"""Hostile values in every documented parameter: a 4xx with the envelope, never a 500.

The values that found 500s: a lone surrogate, 50,000 nested ``[``, a 5,000-digit integer and
dates at the edges of the calendar. Each goes into every query and path parameter and every
JSON body property of every operation of the OpenAPI document (as the admin, who passes the
most checks), and into the Open311 parameters; whole bodies go to every operation with one.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest

from server.extensions import db
from tests.security.test_fuzz import SKIP

HUGE = "9" * 5000
VALUES = ["\ud800", "a\x00b", HUGE, "9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00",
          "0001-01-01T00:00:00+14:00", "-1", "0", "1e309", "NaN"]
BODY_VALUES = [*VALUES, int(HUGE[:4000]), -(2**63), 2**64, 1e308, [[[[]]]], {"$gt": ""}, None, True]
RAW_BODIES = ['{"x": "\\ud800"}', "[" * 50_000, '{"x": ' + HUGE + "}", "{" * 50_000,
              '"\\udfff"', "\ufeff{}"]


def _spec(app) -> dict:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"} and (method.upper(), path) not in SKIP:
                yield path, method, operation


def _fill(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _query(name: str, value: str) -> str:
    """The bytes a hostile client sends: a lone surrogate as its (invalid) UTF-8 encoding."""
    return urlencode({name: value}, errors="surrogatepass")


def _assert_handled(response, what):
    assert response.status_code < 500, (what, response.status_code, response.get_data()[:300])
    body = response.get_json(silent=True)
    if response.status_code >= 400:
        assert body and isinstance(body.get("code"), int) and body["code"] != 0, (what, body)


@pytest.mark.sqlite_only
def test_hostile_values_in_every_parameter_are_refused_cleanly(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 0)
    spec = _spec(app)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {world.as_('demo-admin').token}"}
    sent = 0
    for path, method, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            for value in VALUES:
                if parameter["in"] == "query":
                    response = client.open(_fill(path), method=method, headers=auth,
                                           query_string=_query(parameter["name"], value))
                elif parameter["in"] == "path":
                    hostile = quote(value, errors="surrogatepass")
                    response = client.open(path.replace("{" + parameter["name"] + "}", hostile)
                                           .replace("{", "").replace("}", ""), method=method,
                                           headers=auth)
                else:
                    continue
                _assert_handled(response, (method, path, parameter["name"], value[:20]))
                sent += 1
        content = (operation.get("requestBody") or {}).get("content", {})
        if "application/json" in content:
            schema = _resolve(spec, content["application/json"]["schema"])
            for name in schema.get("properties", {}):
                for value in BODY_VALUES:
                    response = client.open(_fill(path), method=method, headers=auth,
                                           data=json.dumps({name: value}),
                                           content_type="application/json")
                    _assert_handled(response, (method, path, name, repr(value)[:20]))
                    sent += 1
            for raw in RAW_BODIES:
                response = client.open(_fill(path), method=method, headers=auth, data=raw,
                                       content_type="application/json")
                _assert_handled(response, (method, path, raw[:20]))
                assert response.status_code == 400, (method, path, raw[:20])
                sent += 1
        db.session.rollback()
    assert sent > 1000


OPEN311 = {
    "/open311/v2/requests.json": ["start_date", "end_date", "status", "service_code",
                                  "service_request_id", "page", "page_size", "lat", "long",
                                  "radius", "jurisdiction_id"],
    "/open311/v2/servicerequestupdates.json": ["start_date", "end_date", "page", "page_size",
                                               "service_request_id", "jurisdiction_id"],
    "/open311/v2/services.json": ["jurisdiction_id"],
}


@pytest.mark.sqlite_only
def test_hostile_values_on_open311_are_spec_errors(world, app):
    client = app.test_client()
    for path, names in OPEN311.items():
        for name in names:
            for value in VALUES:
                response = client.get(path, query_string=_query(name, value))
                assert response.status_code < 500, (path, name, value[:20], response.get_data()[:200])
                if response.status_code >= 400:
                    body = response.get_json()
                    assert isinstance(body, list) and body[0]["code"] == response.status_code


@pytest.mark.parametrize("path", [
    "/open311/v2/requests.json?start_date=9999-12-31",
    "/open311/v2/requests.json?end_date=0001-01-01",
    "/open311/v2/servicerequestupdates.json?start_date=9999-12-31",
    "/open311/v2/servicerequestupdates.json?end_date=0001-01-01",
])
def test_the_edges_of_the_calendar_on_open311(world, app, path):
    response = app.test_client().get(path)
    assert response.status_code == 400
    assert response.get_json()[0]["code"] == 400


def test_the_edges_of_the_calendar_on_stats(world):
    committee = world.as_("demo-committee")
    for query in ("end=9999-12-31", "start=0001-01-01", "start=9999-12-31&end=9999-12-31"):
        response = committee.get(f"/api/v1/stats?{query}")
        assert (response.status, response.code) == (422, 42200), query


def test_hostile_json_bodies_without_login(world, app):
    client = app.test_client()
    for raw in RAW_BODIES:
        response = client.post("/api/v1/auth/wechat-login", data=raw, content_type="application/json")
        assert (response.status_code, response.get_json()["code"]) == (400, 40000), raw[:20]
    huge = client.post("/api/v1/me/invitation", data='{"code": ' + HUGE + "}",
                       content_type="application/json")
    assert huge.status_code in (400, 401)


def test_nul_characters_in_urls_and_forms_are_refused_on_both_databases(world, app):
    """PostgreSQL cannot store NUL in text: a query parameter or a form field carrying one
    is a 400 before any query runs."""
    client = app.test_client()
    committee = world.as_("demo-committee")
    assert committee.get("/api/v1/requests?q=a%00b").status == 400
    assert committee.get("/api/v1/inservice/reports?year=2026&work_unit=a%00b").status == 400
    response = client.get("/open311/v2/requests.json?service_request_id=a%00b")
    assert response.status_code == 400 and response.get_json()[0]["code"] == 400
    posted = client.post("/open311/v2/requests.json", data={"api_key": "x\x00", "service_code": "a"})
    assert posted.status_code == 400
    assert client.get("/sunlight/a%00b").status_code in (400, 404)
