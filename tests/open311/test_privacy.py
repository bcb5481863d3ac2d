"""No Open311 answer, and no log line, carries personal data: plant it everywhere, then scan."""

from __future__ import annotations

import logging

from sqlalchemy import select

from server.accounts.models import User
from server.extensions import db
from server.requests.models import Request
from tests.open311.conftest import form

PLANTED = {
    "requester name": "张三丰",
    "requester phone": "13812345678",
    "requester email": "zsf@example.com",
    "requester device": "device-7f3a9",
    "requester account": "acct-44821",
    "door number": "2单元501",
    "building": "3号楼",
    "resident name": "李秀英",
    "resident phone": "18611112222",
    "resident openid": "demo-resident",
    "handler name": "王建国",
    "id number": "220821199001011234",
    "phone in a note": "13900001111",
}


def _plant(o311, world, api_key, clock) -> tuple[list[str], str]:
    resident: User = world.user("demo-resident")
    resident.name, resident.phone = PLANTED["resident name"], PLANTED["resident phone"]
    db.session.commit()
    posted = o311.post("requests", "json", form(
        api_key, world, first_name="三丰", last_name="张", phone=PLANTED["requester phone"],
        email=PLANTED["requester email"], device_id=PLANTED["requester device"],
        account_id=PLANTED["requester account"], address_string="幸福小区3号楼2单元501",
        description="垃圾桶满了，请联系我 13812345678，身份证 220821199001011234",
        **{"attribute[public]": "true"}))
    assert posted[0] == 201
    for raw in (posted[2],):
        _assert_clean(raw.decode(), "POST answer")
    own = world.submit(public=True, description="楼道堆物，电话18611112222")
    private = world.submit(public=False, description="邻居李秀英家漏水，门牌2单元501")
    member = world.as_("demo-member-a")
    for created in (own, private):
        member.post(f"/api/v1/requests/{created['id']}/accept")
        member.post(f"/api/v1/requests/{created['id']}/progress",
                    {"note": "王建国已上门，业主电话13900001111"})
    clock.advance(minutes=5)
    return [posted[1][0]["service_request_id"], own["no"], private["no"]], private["no"]


def _assert_clean(text: str, where: str) -> None:
    leaks = [label for label, value in PLANTED.items() if value in text]
    assert not leaks, f"{where} leaks {leaks}: {text[:400]}"


def test_no_answer_and_no_log_line_carries_personal_data(o311, world, api_key, clock, caplog):
    world.as_("demo-resident"), world.as_("demo-member-a")  # log in before the capture
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    numbers, private = _plant(o311, world, api_key, clock)
    paths = ["services", "services/sanitation", "discovery", "requests",
             "servicerequestupdates", *[f"requests/{n}" for n in numbers],
             "requests/nope"]
    scanned = 0
    for path in paths:
        for fmt in ("json", "xml"):
            _status, _body, raw = o311.get(path, fmt)
            _assert_clean(raw.decode(), f"GET {path}.{fmt}")
            scanned += 1
    status, body, raw = o311.get("requests", "json", service_request_id=",".join(numbers))
    assert len(body) == 3
    _assert_clean(raw.decode(), "GET requests by ids")
    # the private request says nothing of what the resident wrote
    (item,) = o311.get(f"requests/{private}", "json")[1]
    assert item["description"] is None and item["media_url"] is None
    assert item["status_notes"] == "办理中；办理进展"
    # an invalid POST carrying personal data does not echo it back either
    bad = o311.post("requests", "xml", form(api_key, world, email="13812345678",
                                             first_name="张三丰" * 30))
    assert bad[0] == 400
    _assert_clean(bad[2].decode(), "error answer")
    _assert_clean("\n".join(r.getMessage() for r in caplog.records), "the log")
    assert scanned == len(paths) * 2


def test_public_descriptions_are_redacted_of_phone_and_id_numbers(o311, world, api_key):
    _s, answer, _ = o311.post("requests", "json", form(
        api_key, world, description="请联系我 13812345678，身份证 220821199001011234",
        **{"attribute[public]": "true"}))
    no = answer[0]["service_request_id"]
    (held,) = o311.both(f"requests/{no}")[1]
    assert held["description"] is None  # partner text is held until the committee clears it
    rid = db.session.scalar(select(Request.id).where(Request.no == no))
    cleared = world.as_("demo-committee").post(f"/api/v1/requests/{rid}/moderation/clear")
    assert cleared.status == 200, cleared.body
    (item,) = o311.both(f"requests/{no}")[1]
    assert item["description"] == "请联系我 ***，身份证 ***"
