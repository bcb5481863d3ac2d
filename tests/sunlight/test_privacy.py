"""Privacy by whitelist: plant personal data everywhere a resident could put it, then read every
public page and JSON twin and find none of it."""

from __future__ import annotations

import json

import pytest

from server.extensions import db
from server.privacy import mask_name, redact
from tests.factories import upload

PHONE = "13912345678"
ID_NUMBER = "22082119900101123X"
DOOR = "7号楼3单元602"
ADDRESS = "幸福小区7号楼3单元602室"
NAME = "张三丰"


def _upload(api):
    return upload(api)


@pytest.fixture
def planted(world, clock):
    resident = world.user("demo-resident")
    resident.name, resident.phone = NAME, PHONE
    db.session.commit()
    api, member, committee = (
        world.as_(o) for o in ("demo-resident", "demo-member-a", "demo-committee"))
    photo = _upload(api)
    public = world.submit(public=True, address=ADDRESS, photo_ids=[photo["id"]],
                          description=f"楼道堆物，电话{PHONE}，身份证{ID_NUMBER}，住{DOOR}")
    private = world.submit(public=False, address=ADDRESS, description="私密：家中老人需要帮助")
    for rid in (public["id"], private["id"]):
        member.post(f"/api/v1/requests/{rid}/accept")
        member.post(f"/api/v1/requests/{rid}/progress", {"note": f"已联系{NAME}，电话{PHONE}"})
        member.post(f"/api/v1/requests/{rid}/resolve", {"note": f"已清理，回访{PHONE}"})
        committee.post(f"/api/v1/requests/{rid}/approve")
        api.post(f"/api/v1/requests/{rid}/rate", {"resolved": True, "satisfaction": "satisfied",
                                                  "comment": f"谢谢，{NAME}"})
    return {"public": public, "private": private, "photo": photo}


def _public_texts(world, planted) -> dict[str, str]:
    client, cid = world.client, world.community.id
    paths = ["/sunlight/", f"/sunlight/communities/{cid}", "/api/v1/public/communities",
             f"/api/v1/public/communities/{cid}/sunlight"]
    for created in (planted["public"], planted["private"]):
        paths += [f"/sunlight/requests/{created['no']}", f"/api/v1/public/requests/{created['no']}"]
    texts = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = response.get_data(as_text=True)
        if path.startswith("/api/"):  # JSON escapes nothing (ensure_ascii off), decode anyway
            texts[path] += json.dumps(response.get_json(), ensure_ascii=False)
    return texts


def test_no_personal_data_on_any_public_page(world, planted):
    texts = _public_texts(world, planted)
    forbidden = [PHONE, ID_NUMBER, DOOR, "602", ADDRESS, NAME, "demo-resident", "私密",
                 "王建国", "刘淑华", planted["photo"]["url"], "address", "resident_id", "openid"]
    for path, text in texts.items():
        for secret in forbidden:
            assert secret not in text, f"{secret!r} found on {path}"


def test_what_may_be_shown_is_shown(world, planted):
    texts = _public_texts(world, planted)
    page = texts[f"/sunlight/requests/{planted['public']['no']}"]
    assert "楼道堆物" in page and "王*" in page and "满意" in page
    assert "已清理，回访***" in page  # the approved result of a public request, redacted
    assert "家中老人" not in texts[f"/sunlight/requests/{planted['private']['no']}"]
    assert "王*" in texts[f"/sunlight/communities/{world.community.id}"]


@pytest.mark.parametrize(("text", "expected"), [
    ("电话13912345678", "电话***"),
    ("电话 139-1234-5678 或 +86 13912345678", "电话 *** 或 ***"),
    ("座机0436-4567890", "座机***"),
    ("身份证22082119900101123X", "身份证***"),
    ("住3号楼2单元501", "住***"),
    ("住501室楼道", "住***楼道"),
    ("三栋二单元门口的路灯坏了", "***门口的路灯坏了"),
    ("楼道灯坏了", "楼道灯坏了"),
])
def test_redaction(text, expected):
    assert redact(text) == expected


def test_masked_names():
    assert mask_name("张三丰") == "张*" and mask_name("王") == "王*" and mask_name(None) == "党员"
