"""The edges fail: WeChat down, the upload folder not writable. The user gets a clear 502/503
in Chinese, nothing is half-stored, and the outbox delivers once WeChat is back."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Delivery
from server.requests.models import Photo
from tests.factories import image_bytes

pytestmark = pytest.mark.faults


def _fail(fake_wechat, path: str, times: int, **spec) -> None:
    response = requests.post(f"{fake_wechat.url}/__control__/fail",
                             json={"path": path, "times": times, **spec}, timeout=5)
    assert response.status_code == 200


@pytest.mark.parametrize("http_status", [502, 503])
def test_login_while_wechat_is_down_is_a_clear_gateway_error(world, fake_wechat, http_status):
    _fail(fake_wechat, "/sns/jscode2session", times=1, http_status=http_status)
    response = world.client.post("/api/v1/auth/wechat-login", json={"code": "dev-someone-new"})
    body = response.get_json()
    assert response.status_code in (502, 503) and body["code"] // 100 == response.status_code
    assert "微信" in body["msg"] and body["data"] is None
    # and once it is back, the same person logs in
    again = world.client.post("/api/v1/auth/wechat-login", json={"code": "dev-someone-new"})
    assert again.status_code == 200


def test_the_outbox_keeps_messages_through_a_long_outage_and_sends_each_once(world, fake_wechat, clock, app):
    app.config["NOTIFY_CHANNELS"] = "inbox,wechat"
    deliver = all_jobs()["notifications.deliver"].func
    try:
        world.as_("demo-resident").post("/api/v1/me/subscriptions",
                                        {"results": {"dev-tmpl-request-accepted": "accept"}})
        rid = world.submit()["id"]
        assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
        resident = world.user("demo-resident").id
        _fail(fake_wechat, "/cgi-bin/message/subscribe/send", times=4, http_status=503)
        for _ in range(4):  # four attempts, each after its backoff, all refused by WeChat
            deliver(clock.now())
            clock.advance(hours=2)
        db.session.expire_all()
        (kept,) = [d for d in db.session.scalars(select(Delivery).where(Delivery.channel == "wechat"))
                   if d.notification.user_id == resident]
        assert (kept.status, kept.attempts) == ("pending", 4) and kept.last_error
        sent = sum(c["path"] == "/cgi-bin/message/subscribe/send" for c in fake_wechat.state.calls)
        deliver(clock.now())
        deliver(clock.now() + timedelta(hours=1))
    finally:
        app.config["NOTIFY_CHANNELS"] = "inbox"
    db.session.refresh(kept)
    assert kept.status == "delivered" and kept.attempts == 5
    after = sum(c["path"] == "/cgi-bin/message/subscribe/send" for c in fake_wechat.state.calls)
    assert after == sent + 1  # delivered once, not again by the later run


def _upload(world):
    return world.as_("demo-resident").call(
        "POST", "/api/v1/uploads", data={"file": (io.BytesIO(image_bytes()), "p.jpg")},
        content_type="multipart/form-data")


def test_an_unwritable_upload_folder_then_a_repaired_one(world, app, tmp_path, clock):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    previous = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(blocked / "uploads")
    try:
        refused = _upload(world)
    finally:
        app.config["UPLOAD_FOLDER"] = previous
    assert refused.status == 503 and refused.code == 50302 and "图片" in refused.body["msg"]
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0
    # a submission cannot point at the photo that was never stored
    fine = _upload(world)
    assert fine.status == 201
    created = world.submit(photo_ids=[fine.data["id"]])
    assert [p["id"] for p in created["photos"]] == [fine.data["id"]]


def test_files_left_by_a_killed_upload_are_swept_and_stored_ones_are_kept(world, app, clock):
    """A process killed between writing the file and its row leaves an orphan file: the
    retention sweep removes it once it is an hour old; files with a row stay."""
    stored = _upload(world)
    assert stored.status == 201
    folder = Path(app.config["UPLOAD_FOLDER"])
    kept = folder / db.session.get(Photo, stored.data["id"]).filename
    orphan, fresh = folder / ("0" * 32 + ".jpg"), folder / ("1" * 32 + ".jpg")
    for path in (orphan, fresh):
        path.write_bytes(image_bytes())
    hour_ago = (clock.now() - timedelta(hours=2)).timestamp()
    os.utime(orphan, (hour_ago, hour_ago))
    os.utime(kept, (hour_ago, hour_ago))
    os.utime(fresh, (clock.now().timestamp(), clock.now().timestamp()))
    summary = all_jobs()["retention.anonymise_closed"].func(clock.now())
    assert "orphan_files 0" not in summary
    assert not orphan.exists() and kept.exists() and fresh.exists()
