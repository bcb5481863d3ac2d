"""Binding a phone number, and who may read it unmasked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.privacy import mask_phone as mask
from server.requests.models import PhoneRead


def test_binding_stores_the_number_and_shows_it_masked(world, fake):
    api = world.as_("demo-resident")
    bound = api.post("/api/v1/me/phone", {"code": "phone-13812345678"})
    assert bound.status == 200, bound.body
    assert bound.data == {"phone": "138****5678", "phone_bound": True, "phone_verified": True}
    assert api.get("/api/v1/me").data["phone"] == "138****5678"
    db.session.expire_all()
    assert world.user("demo-resident").phone == "13812345678"


def test_a_used_code_is_a_clear_422(world, fake):
    fake.control("options", {"single_use_codes": True})
    api = world.as_("demo-resident")
    assert api.post("/api/v1/me/phone", {"code": "phone-13812345678"}).status == 200
    again = api.post("/api/v1/me/phone", {"code": "phone-13812345678"})
    assert again.status == 422 and again.code == 42203


def test_a_number_watermarked_for_another_app_is_refused(world, fake):
    response = world.as_("demo-resident").post("/api/v1/me/phone",
                                               {"code": "phone-otherapp-13812345678"})
    assert response.status == 502 and response.code == 50203
    db.session.expire_all()
    assert world.user("demo-resident").phone is None


@pytest.mark.parametrize("errcode", [-1, 45011])
def test_wechat_busy_asks_to_retry(world, fake, errcode):
    api = world.as_("demo-resident")
    fake.fail("/wxa/business/getuserphonenumber", errcode=errcode)
    response = api.post("/api/v1/me/phone", {"code": "phone-13812345678"})
    assert response.status == 503 and response.code == 50301
    assert response.headers["Retry-After"] == "5"


def test_a_timeout_is_a_502_and_nothing_is_stored(world, fake, monkeypatch):
    api = world.as_("demo-resident")
    from server.wechat.client import WeChatClient

    monkeypatch.setattr(WeChatClient.from_app(), "timeout", 0.2)  # configuration, not behaviour
    fake.fail("/wxa/business/getuserphonenumber", delay=0.6)
    response = api.post("/api/v1/me/phone", {"code": "phone-13812345678"})
    assert response.status == 502 and response.code == 50201
    db.session.expire_all()
    assert world.user("demo-resident").phone is None


def test_unknown_fields_and_empty_codes_are_422(world, fake):
    api = world.as_("demo-resident")
    assert api.post("/api/v1/me/phone", {"code": ""}).status == 422
    assert api.post("/api/v1/me/phone", {"code": "phone-1", "phone": "1"}).status == 422


def _reads():
    return list(db.session.scalars(select(PhoneRead).order_by(PhoneRead.id)))


def test_only_the_handler_of_an_open_request_and_the_committee_read_it_unmasked(world, fake):
    world.as_("demo-resident").post("/api/v1/me/phone", {"code": "phone-13812345678"})
    rid = world.submit()["id"]
    path = f"/api/v1/requests/{rid}/contact"
    team_mate = world.as_("demo-member-a2").get(path)
    assert team_mate.data == {"phone": "138****5678", "masked": True}
    assert world.as_("demo-resident").get(path).data["masked"] is True
    assert world.as_("demo-member-b").get(path).status == 404  # not their team: not visible
    assert _reads() == []

    member = world.as_("demo-member-a")
    member.post(f"/api/v1/requests/{rid}/accept")
    assert member.get(path).data == {"phone": "13812345678", "masked": False}
    assert world.as_("demo-committee").get(path).data["masked"] is False
    reads = _reads()
    assert [(r.viewer_id, r.relation) for r in reads] == [
        (world.user("demo-member-a").id, "handler"), (world.user("demo-committee").id, "committee")]
    assert {r.subject_id for r in reads} == {world.user("demo-resident").id}

    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已处理完毕"})
    world.as_("demo-committee").post(f"/api/v1/requests/{rid}/approve")
    assert member.get(path).data["masked"] is True  # closed: the handler no longer needs it
    assert len(_reads()) == 2


@pytest.mark.parametrize(("phone", "shown"), [
    ("13812345678", "138****5678"), ("+85291234567", "****4567"), ("123", "****"), (None, None)])
def test_mask(phone, shown):
    assert mask(phone) == shown


def test_a_typed_number_is_the_unverified_fallback(world, fake):
    api = world.as_("demo-resident")
    typed = api.post("/api/v1/me/phone", {"phone": "+86 139-1234-5678"})
    assert typed.status == 200
    assert typed.data == {"phone": "139****5678", "phone_bound": True, "phone_verified": False}
    assert fake.calls("/wxa/business/getuserphonenumber") == 0
    assert api.post("/api/v1/me/phone", {"phone": "12345"}).status == 422
    assert api.post("/api/v1/me/phone", {}).status == 422
    assert api.post("/api/v1/me/phone", {"phone": "13912345678", "code": "phone-1"}).status == 422
    verified = api.post("/api/v1/me/phone", {"code": "phone-13912345678"})
    assert verified.data["phone_verified"] is True
    # typing the verified number again keeps it verified
    assert api.post("/api/v1/me/phone", {"phone": "13912345678"}).data["phone_verified"] is True
