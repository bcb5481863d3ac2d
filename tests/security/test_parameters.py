"""Every documented query parameter accepts what its type says it accepts.

Query strings carry text: a parameter documented as an integer must take ``?x=3``. A strict
integer field (right for JSON bodies) refuses every value there, and the filter cannot work.
"""

from __future__ import annotations

import re

import pytest

from server.extensions import db


def _operations(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.sqlite_only
def test_every_integer_query_parameter_takes_digits(world, app):
    admin = world.as_("demo-admin")
    checked = []
    for path, method, operation in _operations(app):
        if method != "get":
            continue
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query" or parameter["schema"].get("type") != "integer":
                continue
            value = str(parameter["schema"].get("minimum", 1))
            response = admin.client.get(_fill(path), query_string={parameter["name"]: value},
                                        headers={"Authorization": f"Bearer {admin.token}"})
            body = response.get_json(silent=True) or {}
            errors = body.get("errors") or {}
            refused = " ".join(map(str, errors.get(parameter["name"], [])))
            assert "Not a valid integer" not in refused, (path, parameter["name"], body)
            checked.append((path, parameter["name"]))
            db.session.rollback()
    assert ("/api/v1/inservice/registrations", "community_id") in checked
    assert ("/api/v1/activities", "community_id") in checked
    assert ("/api/v1/leaves", "user_id") in checked


def test_the_id_filters_filter(world):
    committee = world.as_("demo-committee")
    community = world.community.id
    other = world.other_community.id
    assert committee.get(f"/api/v1/inservice/registrations?community_id={community}").status == 200
    assert committee.get(f"/api/v1/activities?community_id={community}").status == 200
    # another community's registrations are not the committee's to see: nothing comes back
    foreign = committee.get(f"/api/v1/inservice/registrations?community_id={other}")
    assert foreign.status in (403, 404) or foreign.data["items"] == []
    me = world.user("demo-member-a").id
    assert committee.get(f"/api/v1/leaves?user_id={me}").status == 200
    for bad in ("abc", "0", "-1", "1.5", str(2**31), "9" * 5000):
        assert committee.get(f"/api/v1/activities?community_id={bad}").status == 422, bad
