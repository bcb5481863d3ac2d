"""Bad input gets a clear error, never a 500, and nothing is half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.requests.models import Request


def _count():
    return db.session.scalar(select(func.count()).select_from(Request))


BASE = {"category_code": "sanitation", "description": "楼道灯坏了好几天", "section_id": 1}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"handler_id": 3}, "handler_id"),
        ({"resident_id": 2}, "resident_id"),
        ({"no": "QS-1"}, "no"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_mass_assignment_is_rejected(world, extra, field):
    response = world.as_("demo-resident").post("/api/v1/requests", {**BASE, **extra})
    assert response.status == 422 and field in response.body["errors"]
    assert _count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "短"}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"category_code": "nope"}, "category_code"),
        ({"section_id": 999999}, "section_id"),
        ({"section_id": "1"}, "section_id"),
        ({"section_id": 10**30}, "section_id"),
        ({"lat": 91}, "lat"),
        ({"public": "maybe"}, "public"),
        ({"photo_ids": [1] * 10}, "photo_ids"),
        ({"photo_ids": [424242]}, "photo_ids"),
    ],
)
def test_invalid_submissions_are_422_with_the_field(world, change, field):
    response = world.as_("demo-resident").post("/api/v1/requests", {**BASE, **change})
    assert response.status == 422, response.body
    assert field in response.body["errors"] and response.code >= 42200
    assert _count() == 0


def test_body_that_is_not_json_is_a_clear_error(world):
    api = world.as_("demo-resident")
    response = api.call("POST", "/api/v1/requests", data="{not json", content_type="application/json")
    assert response.status in (400, 422) and response.code != 0


@pytest.mark.parametrize("path", [
    "/api/v1/requests/999999999999999999999999999999",
    "/api/v1/requests/2147483648",
    "/api/v1/requests/0",
    "/api/v1/communities/999999999999999999999999999999",
])
def test_huge_or_zero_ids_are_404(world, path):
    response = world.as_("demo-resident").get(path)
    assert response.status == 404 and response.code == 40400


def test_huge_id_on_an_action_is_404(world):
    response = world.as_("demo-member-a").post("/api/v1/requests/99999999999999999999/accept")
    assert response.status == 404


def test_another_residents_request_is_404_not_403(world):
    rid = world.submit()["id"]
    response = world.as_("demo-resident-2").get(f"/api/v1/requests/{rid}")
    assert response.status == 404
    assert world.as_("demo-resident-2").post(f"/api/v1/requests/{rid}/cancel").status == 404


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?limit=x", "?cursor=%%%", "?cursor=MA==",
                                   "?bogus=1"])
def test_bad_paging_is_422(world, query):
    response = world.as_("demo-resident").get(f"/api/v1/requests/mine{query}")
    assert response.status == 422, response.body


def test_cursor_pagination_walks_every_item_once(world):
    ids = {world.submit()["id"] for _ in range(5)}
    api, seen, cursor = world.as_("demo-resident"), [], None
    while True:
        page = api.get("/api/v1/requests/mine?limit=2" + (f"&cursor={cursor}" if cursor else "")).data
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_roles_gate_the_lists(world):
    assert world.as_("demo-resident").get("/api/v1/tasks").status == 403
    assert world.as_("demo-resident").get("/api/v1/review").status == 403
    assert world.as_("demo-member-a").get("/api/v1/review").status == 403
    assert world.as_("demo-member-a").post("/api/v1/requests", BASE).status == 201


def test_unknown_route_and_method_use_the_envelope(world):
    api = world.as_("demo-resident")
    missing = api.get("/api/v1/nothing-here")
    assert missing.status == 404 and missing.code == 40400
    wrong = api.call("DELETE", "/api/v1/requests/mine")
    assert wrong.status == 405 and wrong.code == 40500


def test_every_405_names_the_methods_the_url_allows(world, app):
    """RFC 9110: a 405 carries ``Allow``. Every route of every face, with a method it refuses."""
    auth = {"Authorization": f"Bearer {world.as_('demo-admin').token}"}
    urls = app.url_map.bind("localhost")
    checked = 0
    for rule in app.url_map.iter_rules():
        allowed = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        refused = next((m for m in ("PATCH", "DELETE", "PUT", "POST", "GET") if m not in allowed),
                       None)
        values = {name: next(iter(getattr(converter, "items", {1: 1}))) for name, converter
                  in rule._converters.items()}  # an any(json, xml) converter takes its first
        path = urls.build(rule.endpoint, values)
        if refused is None or refused in urls.allowed_methods(path):  # nothing to refuse here
            continue
        response = world.client.open(path, method=refused, headers=auth)
        assert response.status_code == 405, (path, refused, response.status_code)
        if response.is_json:  # Open311 answers in its own format, the rest in the envelope
            assert response.json["code"] == 40500, path
        named = {m.strip() for m in response.headers.get("Allow", "").split(",")}
        assert allowed <= named and refused not in named, (path, named)
        checked += 1
    assert checked > 100, checked
