"""POST requests: the key, the pipeline, the location, tokens, and every refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from server.extensions import db
from server.open311 import keys
from server.open311.models import ApiKey, Requester, Submission
from server.requests.models import Request
from tests.open311.conftest import form


def _by_no(no: str) -> Request:
    return db.session.scalar(select(Request).where(Request.no == no))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_posted_request_enters_the_same_pipeline(o311, world, api_key, fmt):
    status, body, _raw = o311.post("requests", fmt, form(api_key, world))
    assert status == 201
    if fmt == "xml":
        root, body = body
        assert root == "service_requests"
    (answer,) = body
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["service_notice"] == "30分钟内响应，24小时内办结"
    request = db.session.scalar(select(Request).where(Request.no == answer["service_request_id"]))
    assert request.channel == "open311:hotline12345"
    assert request.resident_id is None and request.status == "dispatched"
    assert request.team_id == world.team_a.id and request.section_id == world.section.id
    assert request.public is False
    tasks = world.as_("demo-member-a").get("/api/v1/tasks?scope=available").data["items"]
    assert [t["id"] for t in tasks] == [request.id]
    assert [e.action for e in request.events] == ["submit"]


def test_the_key_may_come_in_the_query_string(o311, world, api_key):
    body = form(api_key, world)
    del body["api_key"]
    status, answer, _ = o311.post("requests", "json", body, api_key=api_key)
    assert status == 201 and answer[0]["service_request_id"].startswith("QS-")


def test_contact_fields_are_kept_apart_as_personal_data(o311, world, api_key):
    status, answer, _ = o311.post("requests", "json", form(
        api_key, world, first_name="三丰", last_name="张", phone="13812345678",
        email="zsf@example.com", device_id="dev-1", account_id="acct-9",
        media_url="https://partner.example.com/p/1.jpg", address_string="幸福小区3号楼2单元501"))
    assert status == 201 and answer[0]["account_id"] is None
    request = _by_no(answer[0]["service_request_id"])
    requester = db.session.scalar(select(Requester).where(Requester.request_id == request.id))
    assert (requester.first_name, requester.last_name, requester.phone, requester.email) == (
        "三丰", "张", "13812345678", "zsf@example.com")
    assert (requester.device_id, requester.account_id) == ("dev-1", "acct-9")
    assert "13812345678" not in request.description and request.address == "幸福小区3号楼2单元501"
    submission = db.session.scalar(select(Submission).where(Submission.request_id == request.id))
    assert submission.media_url == "https://partner.example.com/p/1.jpg"


def test_no_contact_fields_no_requester_row(o311, world, api_key):
    o311.post("requests", "json", form(api_key, world))
    assert db.session.scalar(select(Requester)) is None


def test_public_consent_comes_from_the_attribute(o311, world, api_key):
    _s, answer, _ = o311.post("requests", "json",
                              form(api_key, world, **{"attribute[public]": "true"}))
    request = _by_no(answer[0]["service_request_id"])
    assert request.public is True


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_key_gets_a_token_that_leads_to_the_request(o311, world, token_key, fmt):
    status, body, _ = o311.post("requests", fmt, form(token_key, world))
    assert status == 201
    answer = body[0] if fmt == "json" else body[1][0]
    assert "service_request_id" not in answer and answer["token"]
    status, found = o311.both(f"tokens/{answer['token']}")
    request = db.session.scalar(select(Request))
    assert status == 200 and found == [{"service_request_id": request.no, "token": answer["token"]}]


def test_an_unknown_token_is_404(o311, world):
    status, body = o311.both("tokens/not-a-token")
    assert status == 404 and body[0]["code"] == 404


def test_a_location_by_address_id_is_the_section_id(o311, world, api_key):
    body = form(api_key, world, address_id=str(world.section.id))
    for name in ("attribute[section_id]", "lat", "long"):
        del body[name]
    status, answer, _ = o311.post("requests", "json", body)
    assert status == 201
    assert db.session.scalar(select(Request)).section_id == world.section.id


def test_an_address_string_naming_one_section_finds_it(o311, world, api_key):
    body = form(api_key, world, address_string="镇赉镇庆生家园片区7号楼")
    for name in ("attribute[section_id]", "lat", "long"):
        del body[name]
    status, _answer, _ = o311.post("requests", "json", body)
    assert status == 201
    request = db.session.scalar(select(Request))
    assert request.section_id == world.community.grids[0].sections[1].id


def _errors(o311, data, fmt="json", **params):
    status, body, _ = o311.post("requests", fmt, data, **params)
    if fmt == "xml":
        root, body = body
        assert root == "errors"
    return status, body


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_or_bad_key_is_403(o311, world, api_key, fmt):
    body = form(api_key, world)
    del body["api_key"]
    status, errors = _errors(o311, body, fmt)
    assert status == 403 and str(errors[0]["code"]) == "403" and errors[0]["description"]
    status, errors = _errors(o311, {**body, "api_key": "o311_wrong"}, fmt)
    assert status == 403 and str(errors[0]["code"]) == "403"
    assert db.session.scalar(select(Request)) is None


def test_a_revoked_key_is_403(o311, world, api_key, clock):
    row = db.session.scalar(select(ApiKey))
    keys.revoke(key_id=row.id, now=clock.now())
    status, errors = _errors(o311, form(api_key, world))
    assert status == 403 and errors[0]["description"] == "api_key 无效或已吊销"


@pytest.mark.parametrize("overrides,field", [
    ({"service_code": "no_such"}, "service_code"),
    ({"service_code": ""}, "service_code"),
    ({"lat": "north"}, "lat"),
    ({"lat": "91"}, "lat"),
    ({"long": ""}, "lat"),  # lat without long
    ({"description": "<script>alert(1)</script>"}, "description"),
    ({"description": "长" * 4001}, "description"),
    ({"email": "not-an-email"}, "email"),
    ({"media_url": "file:///etc/passwd"}, "media_url"),
    ({"colour": "red"}, "colour"),
    ({"attribute[colour]": "red"}, "attribute[colour]"),
    ({"attribute[public]": "maybe"}, "attribute[public]"),
    ({"attribute[section_id]": "999999"}, "attribute[section_id]"),
    ({"attribute[section_id]": "abc"}, "attribute[section_id]"),
    ({"attribute[section_id]": "9" * 40}, "attribute[section_id]"),
])
def test_bad_fields_are_400_naming_the_field(o311, world, api_key, overrides, field):
    status, errors = _errors(o311, form(api_key, world, **overrides))
    assert status == 400
    assert any(f"（{field}:" in e["description"] for e in errors), errors
    assert all(e["code"] == 400 for e in errors)
    assert db.session.scalar(select(Request)) is None


def test_a_repeated_field_is_400(o311, world, api_key):
    data = MultiDict(list(form(api_key, world).items()) + [("service_code", "safety")])
    response = o311.client.post("/open311/v2/requests.json", data=data)
    assert response.status_code == 400
    assert "service_code" in response.get_json()[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_location_that_maps_to_no_section_is_400(o311, world, api_key, fmt):
    body = form(api_key, world, lat="45.90", long="123.40")  # outside every demo section
    del body["attribute[section_id]"]
    status, errors = _errors(o311, body, fmt)
    assert status == 400
    assert "不在任何片区内" in errors[0]["description"]


def test_no_location_at_all_is_400(o311, world, api_key):
    body = form(api_key, world)
    for name in ("attribute[section_id]", "lat", "long"):
        del body[name]
    status, errors = _errors(o311, body)
    assert status == 400 and "缺少位置" in errors[0]["description"]


def test_a_section_outside_the_jurisdiction_is_400(o311, world, api_key):
    status, errors = _errors(o311, form(api_key, world,
                                        jurisdiction_id=world.other_community.code))
    assert status == 400 and "attribute[section_id]" in errors[0]["description"]


def test_an_unknown_jurisdiction_on_post_is_404(o311, world, api_key):
    status, errors = _errors(o311, form(api_key, world, jurisdiction_id="nowhere"))
    assert status == 404


def test_an_empty_jurisdiction_is_none(o311, world, api_key):
    status, _answer, _ = o311.post("requests", "json", form(api_key, world, jurisdiction_id=""))
    assert status == 201
