"""The OpenAPI document is generated from the code and covers the front end's contract (docs/contract.md)."""

from __future__ import annotations

import re

SPINE = {
    ("post", "/api/v1/auth/wechat-login"), ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"), ("get", "/api/v1/me"),
    ("get", "/api/v1/communities"), ("get", "/api/v1/communities/{community_id}"),
    ("get", "/api/v1/categories"), ("post", "/api/v1/uploads"), ("post", "/api/v1/requests"),
    ("get", "/api/v1/requests/mine"), ("get", "/api/v1/tasks"), ("get", "/api/v1/review"),
    ("get", "/api/v1/requests/{request_id}"),
    *{("post", f"/api/v1/requests/{{request_id}}/{a}") for a in (
        "cancel", "accept", "progress", "resolve", "approve", "return", "assign", "reject",
        "escalate", "rate", "reopen")},
}


def test_the_document_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    served = {(m, p) for p, ops in spec["paths"].items() for m in ops if m in ("get", "post", "put", "patch", "delete")}
    assert served >= SPINE


def test_every_operation_documents_success_and_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            statuses = set(op["responses"])
            assert any(s.startswith("2") for s in statuses), (method, path)
            assert op.get("summary") or op.get("description"), (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            if op.get("security"):
                assert "401" in statuses, (method, path)


def test_success_bodies_are_documented_in_the_envelope(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ok = spec["paths"]["/api/v1/requests"]["post"]["responses"]["201"]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    envelope = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(envelope["properties"]) == {"code", "msg", "data"}


def test_the_docs_page_is_browsable_without_external_assets(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/requests/{request_id}/accept" in html
    assert not re.search(r"<script[^>]+src=|https?://(?!127\.0\.0\.1)[^\"']*\.(js|css)", html)


def test_arguments_are_read_by_a_schema_made_once(world, monkeypatch):
    """An endpoint's arguments are loaded by the schema instance made when it was declared:
    given the class, webargs built a new one (a copy of every field) for each request. Reading
    a list with query arguments and submitting a request build no schema."""
    import marshmallow

    built: list[str] = []
    init = marshmallow.Schema.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    world.submit()  # whatever is built lazily on first use, built before counting
    monkeypatch.setattr(marshmallow.Schema, "__init__", counting)
    resident = world.as_("demo-resident")
    assert resident.get("/api/v1/requests/mine?limit=5").status == 200
    world.submit()
    assert built == []
