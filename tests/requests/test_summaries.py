"""The hot lists build their summaries from rows, without marshmallow
(``server.requests.summaries``). Their answers must stay what the documented schema says: equal to
``RequestSummaryOut``'s dump of the same requests, field for field, and valid against the OpenAPI
document served at ``/api/v1/openapi.json``, in every state and light a list can show."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update

from mini_program_api.schemas.requests import RequestSummaryOut
from server.duty.models import Department
from server.extensions import db
from server.requests.models import Request
from tests.requests.conftest import openapi_validator

LISTS = [
    ("demo-resident", "/api/v1/requests/mine"),
    ("demo-member-a", "/api/v1/tasks?scope=available"),
    ("demo-member-a", "/api/v1/tasks?scope=mine"),
    ("demo-committee", "/api/v1/review"),
    ("demo-committee", "/api/v1/review?light=red"),
    ("demo-committee", "/api/v1/review?light=yellow"),
    ("demo-street", "/api/v1/supervision"),
]


@pytest.mark.parametrize("who, path", LISTS)
def test_the_fast_lists_answer_what_the_schema_documents(every_state, who, path):
    world = every_state
    spec = world.client.get("/api/v1/openapi.json").get_json()
    answer = world.as_(who).get(path + ("&" if "?" in path else "?") + "limit=100")
    assert answer.status == 200, answer.body
    body = answer.body
    openapi_validator(spec, path.split("?")[0]).validate(body)
    items = body["data"]["items"]
    db.session.expunge_all()
    reference = [RequestSummaryOut().dump(db.session.get(Request, item["id"])) for item in items]
    assert items == reference


def test_the_lists_cover_every_state_and_light(every_state):
    """The comparison above is only as good as its cases: the world holds them all."""
    world = every_state
    mine = world.as_("demo-resident").get("/api/v1/requests/mine?limit=100").data["items"]
    assert {item["status"] for item in mine} == {
        "dispatched", "accepted", "in_progress", "resolved", "referred", "closed",
        "cancelled", "rejected"}
    assert {item["light"] for item in mine} == {"green", "red", None}
    assert {item["public"] for item in mine} == {True, False}
    desk = world.as_("demo-committee").get("/api/v1/review?limit=100").data["items"]
    assert any(item["status"] == "referred" for item in desk)
    tasks = world.as_("demo-member-a").get("/api/v1/tasks?scope=available&limit=100").data["items"]
    assert tasks and all(item["status"] == "dispatched" for item in tasks)


def test_a_referred_request_is_red_once_its_whistle_is_overdue(world, clock):
    """The light of a whistled request comes from its unanswered whistle, read beside the page."""
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    # A department that answers within two hours: its whistle falls due before the request.
    db.session.execute(update(Department).where(Department.code == "housing")
                       .values(response_hours=2))
    db.session.commit()
    rid = world.submit()["id"]
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    assert committee.post(f"/api/v1/requests/{rid}/escalate",
                          {"department": "housing", "note": "需要维修"}).status == 200

    def light() -> str:
        (item,) = [i for i in world.as_("demo-resident").get("/api/v1/requests/mine").data["items"]
                   if i["id"] == rid]
        return item["light"]

    assert light() == "green"
    detail = committee.get(f"/api/v1/requests/{rid}").data
    deadline = datetime.fromisoformat(detail["whistles"][0]["deadline"])
    resolve = datetime.fromisoformat(detail["resolve_deadline"])
    assert deadline < resolve  # the whistle falls due first
    clock.advance(seconds=(deadline - clock.now()).total_seconds() + 60)
    assert clock.now() < resolve
    assert light() == "red"
