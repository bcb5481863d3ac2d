"""Content security: risky text refused, review held for the committee, photos checked
asynchronously, nothing lost while WeChat is down."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs import all_jobs
from server.requests import content as security
from server.requests.models import ContentCheck, Photo, Request
from tests.factories import image_bytes
from tests.wechat.conftest import push_signature

RISKY = "小区里有人组织赌博，请处理"
REVIEW = "有事加微信详聊，楼道灯坏了"


def _run_checks(clock):
    return all_jobs()["wechat.content_checks"].func(clock.now())


def _upload(api):
    response = api.call("POST", "/api/v1/uploads",
                        data={"file": (io.BytesIO(image_bytes()), "p.jpg")},
                        content_type="multipart/form-data")
    assert response.status == 201, response.body
    return response.data["id"]


def _push(client, event, token="dev-push-token", **overrides):
    args = {**push_signature(token), **overrides}
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.post(f"/wechat/push?{query}", json=event)


def test_risky_text_is_refused_with_a_clear_message(world, fake):
    response = world.as_("demo-resident").post("/api/v1/requests", {
        "category_code": "sanitation", "description": RISKY, "section_id": world.section.id})
    assert response.status == 422 and response.code == 42210
    assert "违规" in response.body["msg"]
    assert db.session.scalar(select(db.func.count()).select_from(Request)) == 0


def test_clean_text_passes(world, fake):
    created = world.submit()
    assert created["moderation"] == "pass"
    assert fake.state.text_checks[-1]["openid"] == "demo-resident"


def test_review_is_held_until_the_committee_clears_it(world, fake):
    created = world.submit(description=REVIEW)
    rid = created["id"]
    assert created["moderation"] == "review"
    request = db.session.get(Request, rid)
    assert db.session.scalar(select(Request.id).where(security.public_clause())) is None

    committee = world.as_("demo-committee")
    desk = committee.get("/api/v1/moderation")
    assert [r["id"] for r in desk.data["items"]] == [rid]
    assert world.as_("demo-member-a").get("/api/v1/moderation").status == 403
    member_clear = world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/moderation/clear")
    assert member_clear.status == 403  # sees it (its team) but may not clear it
    stranger = world.as_("demo-resident-2").post(f"/api/v1/requests/{rid}/moderation/clear")
    assert stranger.status == 404

    cleared = committee.post(f"/api/v1/requests/{rid}/moderation/clear", {"note": "已核实"})
    assert cleared.status == 200, cleared.body
    assert cleared.data["moderation"] == "pass"
    assert cleared.data["timeline"][-1]["action"] == "moderate"
    assert cleared.data["status"] == "dispatched"
    db.session.expire_all()
    assert db.session.scalar(select(Request.id).where(security.public_clause())) == request.id
    assert committee.get("/api/v1/moderation").data["items"] == []
    again = committee.post(f"/api/v1/requests/{rid}/moderation/clear")
    assert again.status == 409 and again.code == 40905


def test_notes_are_checked_too(world, fake):
    rid = world.submit()["id"]
    member = world.as_("demo-member-a")
    member.post(f"/api/v1/requests/{rid}/accept")
    refused = member.post(f"/api/v1/requests/{rid}/progress", {"note": RISKY})
    assert refused.status == 422 and refused.code == 42210
    detail = member.get(f"/api/v1/requests/{rid}").data
    assert [e["action"] for e in detail["timeline"]] == ["submit", "accept"]
    held = member.post(f"/api/v1/requests/{rid}/progress", {"note": REVIEW})
    assert held.status == 200 and held.data["moderation"] == "review"


@pytest.mark.parametrize("failure", [{"http_status": 502}, {"errcode": -1}, {"errcode": 45009},
                                     {"delay": 0.6}])
def test_when_wechat_is_down_the_text_is_kept_private_and_checked_later(
        world, fake, clock, monkeypatch, failure):
    from server.wechat.client import WeChatClient

    world.as_("demo-resident")
    monkeypatch.setattr(WeChatClient.from_app(), "timeout", 0.2)  # configuration, not behaviour
    fake.fail("/wxa/msg_sec_check", **failure)
    created = world.submit()
    assert created["moderation"] == "pending"  # accepted, not lost, not public
    check = db.session.scalar(select(ContentCheck).where(ContentCheck.kind == "text"))
    assert check.verdict is None and check.last_error

    assert _run_checks(clock)["checked"] == 0  # not due yet: backoff
    clock.advance(minutes=1)
    assert _run_checks(clock) == {"checked": 1, "submitted": 0, "failed": 0}
    db.session.expire_all()
    assert db.session.get(Request, created["id"]).moderation == "pass"


def test_a_retry_that_fails_again_backs_off(world, fake, clock):
    world.as_("demo-resident")
    fake.fail("/wxa/msg_sec_check", errcode=-1, times=2)
    rid = world.submit()["id"]
    clock.advance(minutes=1)
    assert _run_checks(clock)["failed"] == 1
    check = db.session.scalar(select(ContentCheck))
    assert check.attempts == 2
    assert check.next_attempt_at == clock.now() + security.backoff(2)
    clock.advance(minutes=2)
    assert _run_checks(clock)["checked"] == 1
    db.session.expire_all()
    assert db.session.get(Request, rid).moderation == "pass"


def test_photos_are_public_only_once_wechat_passed_them(world, fake, clock):
    resident = world.as_("demo-resident")
    created = world.submit(photo_ids=[_upload(resident), _upload(resident)])
    assert [p["moderation"] for p in created["photos"]] == ["pending", "pending"]
    request = db.session.get(Request, created["id"])
    assert security.public_photos(request) == []

    assert _run_checks(clock)["submitted"] == 2
    checks = list(fake.state.media_checks.items())
    assert all(v["media_url"].startswith("http://127.0.0.1:5000/media/") for _, v in checks)
    (first, _), (second, _) = checks

    client = world.client
    assert _push(client, fake.state.media_event(first, "pass", appid="wx-test-appid")).data \
        == b"success"
    assert _push(client, fake.state.media_event(second, "risky", 20002,
                                                appid="wx-test-appid")).status_code == 200
    db.session.expire_all()
    photos = db.session.scalars(select(Photo).order_by(Photo.id)).all()
    assert [p.moderation for p in photos] == ["pass", "risky"]
    assert [p.id for p in security.public_photos(db.session.get(Request, created["id"]))] == \
        [photos[0].id]


def test_the_callback_refuses_bad_signatures(world, fake, clock):
    resident = world.as_("demo-resident")
    world.submit(photo_ids=[_upload(resident)])
    _run_checks(clock)
    (trace_id,) = fake.state.media_checks
    event = fake.state.media_event(trace_id, "pass", appid="wx-test-appid")
    assert _push(world.client, event, token="wrong-token").status_code == 403
    assert _push(world.client, event, signature="0" * 40).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Photo)).moderation == "pending"


def test_the_console_url_check_echoes(world, fake):
    args = push_signature("dev-push-token")
    query = "&".join(f"{k}={v}" for k, v in args.items())
    response = world.client.get(f"/wechat/push?{query}&echostr=hello")
    assert response.status_code == 200 and response.data == b"hello"
    assert world.client.get("/wechat/push?echostr=hello").status_code == 403


def test_unanswered_media_checks_are_submitted_again(world, fake, clock):
    resident = world.as_("demo-resident")
    world.submit(photo_ids=[_upload(resident)])
    fake.fail("/wxa/media_check_async", errcode=-1)
    assert _run_checks(clock)["failed"] == 1
    clock.advance(minutes=1)
    assert _run_checks(clock)["submitted"] == 1
    clock.advance(minutes=61)  # no verdict came within WeChat's 30 minutes
    assert _run_checks(clock)["submitted"] == 1
    assert len(fake.state.media_checks) == 2


def test_a_failed_verdict_resubmits(world, fake, clock):
    resident = world.as_("demo-resident")
    world.submit(photo_ids=[_upload(resident)])
    _run_checks(clock)
    (trace_id,) = fake.state.media_checks
    event = {**fake.state.media_event(trace_id, appid="wx-test-appid"), "errcode": 1}
    assert _push(world.client, event).status_code == 200
    assert _run_checks(clock)["submitted"] == 1
    db.session.expire_all()
    assert db.session.scalar(select(Photo)).moderation == "pending"
