"""Schemathesis walks the OpenAPI document with a token per role: no 5xx, and every response
matches the schema documented for its status.

Bounded and deterministic: a few examples per operation and role, derandomized, no example
database, no deadline. It runs on SQLite only: the point is the API's contract, which does not
depend on the database, and PostgreSQL would double its time.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = 3
FUZZ_ROLES = {
    "anon": None,
    "resident": "demo-resident",
    "member": "demo-member-a",
    "committee": "demo-committee",
    "admin": "demo-admin",
}
# Calls that end the caller's own session would turn the rest of the run into 401s.
SKIP = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/refresh")}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def fuzz_world(world, app, monkeypatch):
    assert app.db_kind == "sqlite", "the fuzzer runs on SQLite only (the contract does not depend on the database)"
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 0)
    world.submit()  # something to find
    return world


@pytest.mark.sqlite_only
def test_the_api_keeps_its_documented_contract_under_fuzzing(fuzz_world, app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tokens = {role: fuzz_world.as_(openid).token if openid else None
              for role, openid in FUZZ_ROLES.items()}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for role, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            failure = _fuzz(operation, headers)
            if failure:
                failures.append(f"{operation.method.upper()} {operation.path} as {role}: {failure}")
    assert not failures, "\n".join(failures)


def _fuzz(operation, headers: dict) -> str | None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except Exception as exc:  # noqa: BLE001 - collected and reported together
        return f"{type(exc).__name__}: {str(exc)[:600]}"
    return None
