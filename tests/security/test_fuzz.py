"""Schemathesis walks the OpenAPI document with a token per role and applies every check it
has (``--checks all``): no 5xx, every status, content type, header and body as documented, a 405
names the allowed methods, schema-invalid input is refused, schema-valid input is accepted.
The one exception, ``positive_data_acceptance`` on the operations of ``SEMANTIC_422``, is listed
there with its reason.

Bounded and deterministic: a few examples per operation and role, derandomized, no example
database, no deadline. It runs on SQLite only: the point is the API's contract, which does not
depend on the database, and PostgreSQL would double its time.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

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
load_all_checks()
CHECKS = REGISTERED_CHECKS.get_all()
# ``positive_data_acceptance`` expects every schema-valid request to succeed. These operations
# answer 422 (or 415) to some schema-valid requests by design, for rules JSON Schema cannot state;
# each answer is the documented envelope with the reason in ``errors``.
SEMANTIC_422 = {
    ("POST", "/api/v1/admin/communities"): "street_id must name an existing, active street",
    ("POST", "/api/v1/inservice/registrations"): "community_id must name an existing community",
    ("POST", "/api/v1/admin/teams"): "grid_id or section_id, exactly one (a cross-field rule)",
    ("POST", "/api/v1/admin/roles/grant"): "user_id or person_id, exactly one; the role's scope field",
    ("POST", "/api/v1/admin/roles/revoke"): "user_id or person_id, exactly one; the role's scope field",
    ("POST", "/api/v1/admin/categories"): "the committee hop, if named, comes last in dispatch_order",
    ("POST", "/api/v1/admin/imports/structure"): "the file must be an .xlsx or .csv sheet",
    ("POST", "/api/v1/admin/imports/boundaries"): "the file must be GeoJSON, KML or a zipped Shapefile",
    ("PUT", "/api/v1/teams/{team_id}/shifts"): "a shift ends after it starts (a cross-field rule)",
    ("POST", "/api/v1/me/invitation"): "only a code the committee issued is valid",
    ("POST", "/api/v1/me/phone"): "either code or phone (a cross-field rule)",
    ("GET", "/api/v1/locate"): "the point must lie in (or near) a section of the county",
    ("POST", "/api/v1/requests"): "section_id, or lat and lng (a cross-field rule)",
    ("GET", "/api/v1/tasks"): "lat and lng go together (a cross-field rule)",
    ("POST", "/api/v1/uploads"): "the bytes must be a JPEG, PNG or WebP image (415)",
    ("POST", "/api/v1/requests/{request_id}/escalate"): "department must name a known department",
    ("POST", "/api/v1/admin/card-rules"): "each rule kind has its own parameters and colour",
    ("POST", "/api/v1/directives"): "the deadline must lie in the future; communities must exist",
    ("POST", "/api/v1/directives/{directive_id}/communities/{community_id}/designate"):
        "team_id or member_id, exactly one (a cross-field rule)",
    ("POST", "/api/v1/patrol-reports"): "section_id, or lat and lng (a cross-field rule)",
    ("POST", "/api/v1/me/subscriptions"):
        "template ids are 1–128 characters (OpenAPI 3.0 cannot constrain an object's keys)",
}


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
    documented = {(operation.method.upper(), operation.path) for operation in operations}
    assert set(SEMANTIC_422) <= documented, "an exception names an operation that is gone"
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for role, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            excluded = [positive_data_acceptance] if _semantic_422(operation) else []
            failure = _fuzz(operation, headers, excluded)
            if failure:
                failures.append(f"{operation.method.upper()} {operation.path} as {role}: {failure}")
    assert not failures, "\n".join(failures)


def _semantic_422(operation) -> bool:
    """Listed above, or a paged list: any ``cursor`` but one the API issued is refused."""
    paged = any(parameter.name == "cursor" for parameter in operation.query)
    return paged or (operation.method.upper(), operation.path) in SEMANTIC_422


def _fuzz(operation, headers: dict, excluded: list) -> str | None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, excluded_checks=excluded, headers=headers)

    try:
        run()
    except (Exception, FailureGroup) as exc:  # noqa: BLE001 - collected and reported together
        return f"{type(exc).__name__}: {str(exc)[:600]}"
    return None
