"""Subscribe messages: credits from the mini-program, delivery of one notification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.extensions import db
from server.notifications import subscribe
from server.wechat.models import SubscribeCredit
from tests.wechat.conftest import make_notification

ACCEPTED = "dev-tmpl-request-accepted"


def _credits(user_id):
    db.session.expire_all()
    row = db.session.scalar(db.select(SubscribeCredit).where(
        SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == ACCEPTED))
    return row.credits if row else 0


def _accept(world, openid="demo-resident", times=1):
    api = world.as_(openid)
    for _ in range(times):
        response = api.post("/api/v1/me/subscriptions", {"results": {ACCEPTED: "accept"}})
        assert response.status == 200, response.body


def test_each_acceptance_is_one_credit(world, fake):
    api = world.as_("demo-resident")
    listed = api.get("/api/v1/me/subscriptions").data["templates"]
    assert {t["kind"] for t in listed} == {"request_accepted", "request_resolved",
                                           "request_closed", "new_task",
                                           "registration_reviewed", "red_light",
                                           "activity_changed", "activity_cancelled"}
    _accept(world, times=2)
    answered = api.post("/api/v1/me/subscriptions", {"results": {
        "dev-tmpl-request-closed": "reject", "dev-tmpl-new-task": "ban"}})
    credits = {t["template_id"]: t["credits"] for t in answered.data["templates"]}
    assert credits[ACCEPTED] == 2 and credits["dev-tmpl-request-closed"] == 0


@pytest.mark.parametrize("body", [
    {"results": {"nope": "accept"}}, {"results": {ACCEPTED: "maybe"}}, {"results": {}},
    {"results": {ACCEPTED: "accept"}, "user_id": 1}])
def test_bad_answers_are_422(world, fake, body):
    response = world.as_("demo-resident").post("/api/v1/me/subscriptions", body)
    assert response.status == 422
    assert _credits(world.user("demo-resident").id) == 0


def test_a_notification_is_sent_with_values_cut_to_wechats_limits(world, fake, clock):
    request = world.submit(description="楼道里堆满了杂物，影响通行，" * 5)
    _accept(world)
    resident = world.user("demo-resident")
    note = make_notification(user_id=resident.id, kind="request_accepted", now=clock.now(),
                             request_id=request["id"],
                             body="党员王建国已接单，将在今天下午到现场查看处理情况")
    outcome = subscribe.deliver(note, clock.now())
    assert outcome.status == "sent" and outcome.msgid
    (sent,) = fake.state.sent
    assert sent["touser"] == "demo-resident" and sent["template_id"] == ACCEPTED
    assert sent["page"] == f"pages/request/detail?id={request['id']}"
    data = {k: v["value"] for k, v in sent["data"].items()}
    assert data["character_string1"] == request["no"]
    assert data["phrase3"] == "待接单"
    assert data["time4"] == "2026年11月23日 09:00"
    assert len(data["thing5"]) == 20 and data["thing5"].endswith("…")
    assert _credits(resident.id) == 0
    again = subscribe.deliver(note, clock.now())
    assert (again.status, again.reason) == ("skipped", "no_credit")
    assert len(fake.state.sent) == 1


def test_43101_is_skipped_not_retried(world, fake, clock):
    fake.control("options", {"enforce_credits": True})  # WeChat holds no credit for this user
    _accept(world, times=3)
    resident = world.user("demo-resident")
    note = make_notification(user_id=resident.id, kind="request_accepted", now=clock.now())
    outcome = subscribe.deliver(note, clock.now())
    assert (outcome.status, outcome.reason) == ("skipped", "refused")
    assert _credits(resident.id) == 0  # ours were out of step with WeChat's


def test_granted_credits_in_wechat_let_it_through(world, fake, clock):
    fake.control("options", {"enforce_credits": True})
    fake.control("grant", {"openid": "demo-resident", "template_id": ACCEPTED})
    _accept(world)
    note = make_notification(user_id=world.user("demo-resident").id, kind="request_accepted",
                             now=clock.now())
    assert subscribe.deliver(note, clock.now()).status == "sent"


@pytest.mark.parametrize("failure", [{"errcode": -1}, {"errcode": 45011}, {"http_status": 502},
                                     {"errcode": 47003}])
def test_other_failures_are_retried_later_and_keep_the_credit(world, fake, clock, failure):
    _accept(world)
    resident = world.user("demo-resident")
    note = make_notification(user_id=resident.id, kind="request_accepted", now=clock.now())
    fake.fail("/cgi-bin/message/subscribe/send", **failure)
    outcome = subscribe.deliver(note, clock.now())
    assert outcome.status == "retry" and outcome.error
    assert _credits(resident.id) == 1
    assert subscribe.deliver(note, clock.now()).status == "sent"


def test_kinds_without_a_template_are_skipped(world, fake, clock):
    note = make_notification(user_id=world.user("demo-resident").id, kind="weekly_digest",
                             now=clock.now())
    outcome = subscribe.deliver(note, clock.now())
    assert (outcome.status, outcome.reason) == ("skipped", "no_template")
    assert fake.state.sent == []


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("thing1", "一" * 25, "一" * 19 + "…"),
    ("thing1", "短", "短"),
    ("thing1", "", "无"),
    ("phrase2", "已接单 ok", "已接单"),
    ("phrase2", "审核通过并已归档", "审核通过并"),
    ("character_string3", "QS-20261123-0001 号", "QS-20261123-0001"),
    ("number4", "共 12 件", "12"),
    ("name5", "欧阳某某某某某某某某某", "欧阳某某某某某某某某"),
    ("name5", "A" * 30, "A" * 20),
    ("time6", datetime(2026, 11, 23, 9, 5, tzinfo=UTC), "2026年11月23日 09:05"),
    ("date7", datetime(2026, 11, 23, tzinfo=UTC), "2026年11月23日"),
    ("symbol8", "%%%%%%%", "%%%%%"),
    ("phone_number9", "138 1234 5678 转 8", "138123456788"),
])
def test_values_fit_their_key_type(key, value, expected):
    assert subscribe.fit(key, value) == expected
