"""Abuse limits: login, submission, uploads and public pages answer 429 with Retry-After once
their limit is spent; a resident's open requests are capped; every list caps its page size."""

from __future__ import annotations

import io

import pytest

from tests.factories import Api, image_bytes


def _spend(call, times: int):
    return [call() for _ in range(times)]


def test_login_is_limited_per_address_with_json_429(world, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3 per minute")
    api = Api(world.client)
    statuses = [api.post("/api/v1/auth/wechat-login", {"code": f"dev-flood-{i}"}).status
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.post("/api/v1/auth/wechat-login", {"code": "dev-flood-x"})
    assert refused.status == 429
    assert refused.code == 42900 and refused.data is None and "频繁" in refused.body["msg"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_submission_is_limited_per_user(world, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMIT", "2 per minute")
    body = {"category_code": "sanitation", "description": "楼道里堆满了杂物",
            "section_id": world.section.id}
    resident = world.as_("demo-resident")
    assert [resident.post("/api/v1/requests", body).status for _ in range(3)] == [201, 201, 429]
    # another resident has a bucket of their own
    assert world.as_("demo-resident-2").post("/api/v1/requests", body).status == 201


def test_refused_submissions_do_not_use_up_the_limit(world, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMIT", "2 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMIT_REFUSED", "3 per minute")
    good = {"category_code": "sanitation", "description": "楼道里堆满了杂物", "section_id": world.section.id}
    short = {**good, "description": "太脏"}
    resident = world.as_("demo-resident")
    statuses = [resident.post("/api/v1/requests", body).status for body in (short, good, short, good)]
    assert statuses == [422, 201, 422, 201]  # two refusals left both accepted submissions their place
    assert resident.post("/api/v1/requests", good).status == 429  # the accepted ones are counted
    # refusals have a looser budget of their own
    other = world.as_("demo-resident-2")
    assert [other.post("/api/v1/requests", short).status for _ in range(4)] == [422, 422, 422, 429]


def test_uploads_are_limited_per_user(world, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_UPLOAD", "1 per minute")
    resident = world.as_("demo-resident")

    def upload():
        return resident.post("/api/v1/uploads", data={"file": (io.BytesIO(image_bytes()), "a.jpg")},
                             content_type="multipart/form-data", json=None)

    assert [upload().status for _ in range(2)] == [201, 429]


def test_public_pages_are_limited_html_and_json(world, app, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PUBLIC", "2 per minute")
    client = world.client
    assert [client.get("/sunlight/").status_code for _ in range(2)] == [200, 200]
    page = client.get("/sunlight/")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert "访问太频繁" in page.get_data(as_text=True) and int(page.headers["Retry-After"]) > 0
    assert [client.get("/api/v1/public/communities").status_code for _ in range(3)][-1] == 429


def test_limits_are_off_unless_switched_on(world, app):
    assert app.config["ABUSE_LIMITS"] is False
    api = Api(world.client)
    assert {api.post("/api/v1/auth/wechat-login", {"code": f"dev-many-{i}"}).status
            for i in range(30)} == {200}


def test_a_resident_may_hold_only_so_many_open_requests(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 3)
    first = [world.submit()["id"] for _ in range(3)]
    refused = world.as_("demo-resident").post("/api/v1/requests", {
        "category_code": "sanitation", "description": "又一件事情需要处理", "section_id": world.section.id})
    assert refused.status == 409 and refused.code == 40906
    assert "正在办理" in refused.body["msg"]
    # once one is no longer open, there is room again
    assert world.as_("demo-resident").post(f"/api/v1/requests/{first[0]}/cancel").status == 200
    world.submit()


def test_the_default_cap_is_ten(app):
    assert app.config["MAX_OPEN_REQUESTS"] == 10


def _list_operations(spec) -> list[tuple[str, dict]]:
    """GET operations whose success body is a page: ``{items, next_cursor}``."""
    schemas = spec["components"]["schemas"]
    found = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if not op:
            continue
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json")
        if not ok or "$ref" not in ok["schema"]:
            continue
        data = schemas[ok["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]["data"]
        refs = [data.get("$ref", "")] + [d.get("$ref", "") for d in data.get("anyOf", [])]
        ref = next((r for r in refs if r), "")
        inner = schemas.get(ref.rsplit("/", 1)[-1], {})
        if set(inner.get("properties", {})) >= {"items", "next_cursor"}:
            found.append((path, op))
        elif data.get("type") == "array":
            found.append((path, None))
    return found


# Lists answered whole, without pages, and what bounds them.
WHOLE_LISTS = {
    "/api/v1/activities/{activity_id}/signups": "an activity's signups (capacity is capped)",
    "/api/v1/teams/{team_id}/shifts": "one team's roster (at most 500 shifts)",
    "/api/v1/sections/{section_id}/on-duty": "one section's teams on duty now",
    "/api/v1/departments": "the fixed catalogue of departments",
    "/api/v1/communities": "the communities of the deployment (a county: a few dozen)",
    "/api/v1/categories": "the catalogue of categories",
}


def test_every_list_caps_its_page_size(app):
    spec = app.extensions["api"].spec.to_dict()
    lists = _list_operations(spec)
    assert len(lists) >= 10
    whole = {path for path, op in lists if op is None}
    assert whole == set(WHOLE_LISTS), "a list without pages must be named, with what bounds it"
    for path, op in lists:
        if op is None:
            continue
        limit = next((p for p in op.get("parameters", []) if p["name"] == "limit"), None)
        assert limit is not None, f"{path} is a list without a limit parameter"
        assert limit["schema"].get("maximum", 10**9) <= 100, path


@pytest.mark.parametrize(("path", "cap"), [("/api/v1/requests/mine", 100),
                                           ("/api/v1/notifications", 100),
                                           ("/api/v1/public/communities/{cid}/sunlight", 50)])
def test_a_page_beyond_the_cap_is_refused(world, path, cap):
    api = world.as_("demo-resident")
    path = path.format(cid=world.community.id)
    assert api.get(f"{path}?limit={cap + 1}").status == 422
    assert api.get(f"{path}?limit={cap}").status == 200
