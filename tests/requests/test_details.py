"""A request's detail is read as rows (``server.requests.details``) and shaped by ``RequestOut``.
The answer must be what the ORM object would give: equal to ``RequestOut``'s dump of the
request loaded with its collections, field for field, and valid against the OpenAPI document,
for requests in every state, with photos, whistles, ratings and timeline notes."""

from __future__ import annotations

from mini_program_api.schemas.requests import RequestOut
from server.extensions import db
from server.requests.models import Request
from tests.factories import upload
from tests.requests.conftest import openapi_validator

DETAIL = "/api/v1/requests/{request_id}"


def _with_photos(world) -> int:
    resident, member = world.as_("demo-resident"), world.as_("demo-member-a")
    rid = world.submit(photo_ids=[upload(resident)["id"]])["id"]
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    assert member.post(f"/api/v1/requests/{rid}/progress",
                       {"note": "已到现场", "photo_ids": [upload(member)["id"]]}).status == 200
    return rid


def test_the_detail_from_rows_equals_the_documented_dump_of_the_request(every_state):
    world = every_state
    _with_photos(world)
    spec = world.client.get("/api/v1/openapi.json").get_json()
    committee, resident = world.as_("demo-committee"), world.as_("demo-resident")
    ids = [item["id"] for item in resident.get("/api/v1/requests/mine?limit=100").data["items"]]
    seen = {"photos": 0, "whistles": 0, "ratings": 0, "notes": 0, "statuses": set()}
    for rid in ids:
        for api in (committee, resident):
            answer = api.get(f"/api/v1/requests/{rid}")
            assert answer.status == 200, answer.body
            openapi_validator(spec, DETAIL).validate(answer.body)
            db.session.expunge_all()
            assert answer.data == RequestOut().dump(db.session.get(Request, rid)), rid
        data = answer.data
        seen["photos"] += len(data["photos"])
        seen["whistles"] += len(data["whistles"])
        seen["ratings"] += len(data["ratings"])
        seen["notes"] += sum(1 for event in data["timeline"] if event["note"])
        seen["statuses"].add(data["status"])
    # the comparison is only as good as its cases
    assert seen["photos"] >= 2 and seen["whistles"] >= 1 and seen["ratings"] >= 1, seen
    assert seen["notes"] >= 3, seen
    assert seen["statuses"] >= {"dispatched", "in_progress", "resolved", "referred", "closed",
                                "cancelled", "rejected"}, seen


def test_a_request_nobody_may_see_and_one_that_does_not_exist_read_the_same(world):
    rid = world.submit()["id"]
    missing = world.as_("demo-resident").get("/api/v1/requests/999999")
    hidden = world.as_("demo-resident-2").get(f"/api/v1/requests/{rid}")
    assert missing.status == hidden.status == 404, (missing.body, hidden.body)
    assert missing.body == {**hidden.body, "request_id": missing.body["request_id"]}
