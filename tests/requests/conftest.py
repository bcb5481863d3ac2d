"""Fixtures of the request tests: requests in every state a list or a detail shows, and a
validator of answers against the served OpenAPI document."""

from __future__ import annotations

import jsonschema_rs
import pytest


def _nullable_as_json_schema(node):
    """OpenAPI 3.0's ``nullable`` in JSON Schema terms, so that a validator reads it."""
    if isinstance(node, list):
        return [_nullable_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def openapi_validator(spec: dict, path: str) -> jsonschema_rs.Draft7Validator:
    """A validator of the 200 answer of ``GET path`` in the OpenAPI document ``spec``."""
    answer = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    document = _nullable_as_json_schema({**answer, "components": spec["components"]})
    return jsonschema_rs.Draft7Validator(document)


@pytest.fixture
def every_state(world, clock, monkeypatch):
    """Requests of demo-resident in every state a list shows, at different ages."""
    monkeypatch.setitem(world.app.config, "MAX_OPEN_REQUESTS", 0)
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    resident = world.as_("demo-resident")

    def step(rid, *actions):
        for action, body in actions:
            answer = (member if action in ("accept", "progress", "resolve") else
                      resident if action in ("cancel", "rate") else committee).post(
                f"/api/v1/requests/{rid}/{action}", body)
            assert answer.status == 200, (action, answer.body)

    accept, resolve = ("accept", None), ("resolve", {"note": "已处理"})
    old = [world.submit(public=True)["id"] for _ in range(3)]  # these will be overdue
    step(old[0], accept)
    step(old[1], accept, ("escalate", {"department": "housing", "note": "需要维修"}))
    clock.advance(hours=60)
    rids = [world.submit(public=n % 2 == 0)["id"] for n in range(6)]
    step(rids[0], accept, ("progress", {"note": "在处理"}))
    step(rids[1], accept, resolve)
    step(rids[2], accept, resolve, ("approve", None),
         ("rate", {"resolved": True, "satisfaction": "satisfied"}))
    step(rids[3], ("cancel", None))
    step(rids[4], ("reject", {"reason": "不属于社区事务"}))
    clock.advance(hours=1)
    return world
