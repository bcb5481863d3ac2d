"""Retention (PIPL): old closed requests lose their personal data; accounts can be deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.extensions import db
from server.jobs import all_jobs
from server.open311.models import Requester
from server.requests.models import Event, Photo, Request
from tests.factories import close_request, upload

PHONE = "13812345678"


@pytest.fixture
def retention(app):
    previous = app.config["RETENTION_DAYS"]
    app.config["RETENTION_DAYS"] = 30
    yield 30
    app.config["RETENTION_DAYS"] = previous


def _sweep(clock):
    return all_jobs()["retention.anonymise_closed"].func(clock.now())


def _upload(api) -> int:
    return upload(api)["id"]


def _closed_request(world, fake_wechat, **overrides) -> tuple[int, str]:
    resident = world.as_("demo-resident")
    assert resident.post("/api/v1/me/phone", {"code": f"phone-{PHONE}"}).status == 200
    photo = _upload(resident)
    filename = db.session.get(Photo, photo).filename
    created = world.submit(photo_ids=[photo], lat=45.85, lng=123.2, public=True,
                           description="门口堆了垃圾，电话13812345678联系我", **overrides)
    close_request(world, created["id"])
    return created["id"], filename


def test_a_request_closed_longer_than_the_period_loses_its_personal_data(world, fake_wechat, clock, app,
                                                                          retention):
    rid, filename = _closed_request(world, fake_wechat)
    db.session.add(Requester(request_id=rid, phone=PHONE, email="a@b.cn", first_name="张"))
    db.session.commit()
    events = db.session.scalar(select(func.count()).select_from(Event))
    file = Path(app.config["UPLOAD_FOLDER"]) / filename
    assert file.exists()

    clock.advance(days=29)
    _sweep(clock)
    db.session.expire_all()
    request = db.session.get(Request, rid)
    assert request.address and request.resident_id and request.anonymised_at is None

    clock.advance(days=2)
    summary = _sweep(clock)
    assert "requests 1" in summary and "photos 1" in summary
    db.session.expire_all()
    request = db.session.get(Request, rid)
    assert (request.address, request.lat, request.lng, request.resident_id) == (None, None, None, None)
    assert PHONE not in request.description and request.description.startswith("门口堆了垃圾")
    assert request.anonymised_at == clock.now()
    assert request.photos == [] and not file.exists()
    requester = db.session.scalar(select(Requester).where(Requester.request_id == rid))
    assert (requester.phone, requester.email, requester.first_name) == (None, None, None)
    resident = db.session.scalar(select(User).where(User.openid == "demo-resident"))
    assert resident.phone is None and resident.is_active  # nothing live left: phone forgotten
    # the timeline is untouched (append-only) and the statistics keep their facts
    assert db.session.scalar(select(func.count()).select_from(Event)) == events
    assert request.status == "closed" and request.category_id and request.closed_at

    assert "requests 0" in _sweep(clock)  # idempotent


def test_open_and_recent_requests_and_active_residents_are_kept(world, fake_wechat, clock, retention):
    old_rid, _ = _closed_request(world, fake_wechat)
    clock.advance(days=20)
    open_rid = world.submit()["id"]
    clock.advance(days=11)
    _sweep(clock)
    db.session.expire_all()
    assert db.session.get(Request, old_rid).anonymised_at is not None
    still_open = db.session.get(Request, open_rid)
    assert still_open.address == "幸福小区3号楼2单元501" and still_open.resident_id is not None
    # the resident still has a live request: their phone stays
    assert db.session.scalar(select(User.phone).where(User.openid == "demo-resident")) == PHONE


def test_account_deletion_erases_the_person_and_kills_their_tokens(world, fake_wechat, clock, app):
    resident = world.as_("demo-resident")
    login = world.client.post("/api/v1/auth/wechat-login", json={"code": "dev-demo-resident"}).get_json()
    closed_rid, filename = _closed_request(world, fake_wechat)
    open_rid = world.submit()["id"]
    user_id = world.user("demo-resident").id

    deleted = resident.call("DELETE", "/api/v1/me")
    assert deleted.status == 200 and deleted.code == 0

    assert resident.get("/api/v1/me").status == 401
    refreshed = world.client.post("/api/v1/auth/refresh",
                                  headers={"Authorization": f"Bearer {login['data']['refresh_token']}"})
    assert refreshed.status_code == 401
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert (user.openid, user.name, user.phone, user.nickname) == (None, None, None, None)
    assert not user.is_active and user.deleted_at == clock.now() and user.roles == []
    closed = db.session.get(Request, closed_rid)
    assert closed.resident_id is None and closed.address is None and closed.photos == []
    assert not (Path(app.config["UPLOAD_FOLDER"]) / filename).exists()
    still_open = db.session.get(Request, open_rid)
    assert still_open.resident_id is None and still_open.status == "dispatched"
    # the work goes on anonymously, and the history is kept
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{open_rid}/accept").status == 200
    assert len(db.session.get(Request, closed_rid).events) >= 4

    # logging in again is a new, empty account
    world.tokens.pop("demo-resident")
    again = world.as_("demo-resident")
    assert again.get("/api/v1/me").data["id"] != user_id
    assert again.get(f"/api/v1/requests/{closed_rid}").status == 404


def test_account_deletion_needs_a_login(client):
    response = client.delete("/api/v1/me")
    assert response.status_code == 401
