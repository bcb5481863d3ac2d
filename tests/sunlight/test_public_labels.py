"""The public request page speaks Chinese: every action and every referenced object has its
label (the department by name), on the HTML page and its JSON twin, whatever happened."""

from __future__ import annotations

import re

from server.extensions import db
from server.requests.enums import Action, Status
from server.requests.escalation import escalate_due
from server.sunlight.public import ACTION_LABELS, SUPERVISION_LABELS
from tests.wechat.test_content_security import REVIEW

MACHINE_KEYS = {"action", "status", "light", "satisfaction", "no"}  # codes meant for programs


def _walk(world, clock) -> list[str]:
    """Three requests that between them take every action; their public numbers."""
    resident, committee = world.as_("demo-resident"), world.as_("demo-committee")
    member, other = world.as_("demo-member-a"), world.as_("demo-member-a2")

    first = world.submit(description=REVIEW, public=True)  # held by content security
    rid = first["id"]
    assert committee.post(f"/api/v1/requests/{rid}/moderation/clear", {"note": "已核实"}).status == 200
    clock.advance(minutes=31)
    assert escalate_due(clock.now())["hops"] == 1
    db.session.expire_all()
    steps = [
        (member, "accept", {}), (member, "progress", {"note": "正在处理"}),
        (member, "resolve", {"note": "已处理"}), (committee, "return", {"reason": "请补充照片"}),
        (committee, "escalate", {"department": "urban_mgmt", "note": "占道经营需执法"}),
        (committee, "whistle/report", {"note": "执法队已到场"}),
        (committee, "whistle/response", {"note": "已清理摊位"}), (committee, "approve", {}),
        (resident, "rate", {"resolved": False, "satisfaction": "dissatisfied"}),
        (resident, "reopen", {"reason": "问题复发"}),
        (committee, "assign", {"member_id": world.user("demo-member-a2").id}),
        (other, "resolve", {"note": "已彻底清理"}),
    ]
    for who, path, body in steps:
        clock.advance(minutes=5)
        answer = who.post(f"/api/v1/requests/{rid}/{path}", body)
        assert answer.status == 200, (path, answer.body)
    cancelled = world.submit()
    admin = world.as_("demo-admin")  # its section moves to another grid: the request follows
    grid = admin.post(f"/api/v1/admin/communities/{world.community.id}/grids", {"name": "新建网格九"})
    assert admin.call("PATCH", f"/api/v1/admin/sections/{world.section.id}",
                      json={"grid_id": grid.data["id"]}).status == 200
    assert resident.post(f"/api/v1/requests/{cancelled['id']}/cancel", {}).status == 200
    rejected = world.submit()
    assert committee.post(f"/api/v1/requests/{rejected['id']}/reject", {"reason": "非本社区事项"}).status == 200
    released = world.submit(public=True)  # its handler leaves the team: back to the committee
    assert world.as_("demo-member-b").post(f"/api/v1/requests/{released['id']}/accept").status == 200
    assert committee.post(f"/api/v1/admin/teams/{world.team_b.id}/members/remove",
                          {"user_id": world.user("demo-member-b").id}).status == 200
    # Supervision: the committee sits on work past its deadline, the street instructs it, then
    # takes it over and blows the whistle itself.
    admin, street = world.as_("demo-admin"), world.as_("demo-street")
    category = next(c for c in admin.get("/api/v1/admin/categories").data["items"]
                    if c["code"] == "sanitation")
    assert admin.call("PATCH", f"/api/v1/admin/categories/{category['id']}",
                      {"committee_minutes": 60}).status == 200
    supervised = world.submit(public=True)
    clock.advance(minutes=31 + 31 + 61)  # past A, B, then the committee
    escalate_due(clock.now())
    db.session.expire_all()
    for path, body in (("instruct", {"instruction": "请社区今日内指派专人处理"}),
                       ("escalate", {"department": "urban_mgmt", "note": "街道直接吹哨"})):
        clock.advance(minutes=5)
        answer = street.post(f"/api/v1/requests/{supervised['id']}/{path}", body)
        assert answer.status == 200, (path, answer.body)
    return [first["no"], cancelled["no"], rejected["no"], released["no"], supervised["no"]]


def _strings(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str) and key not in MACHINE_KEYS:
        yield key, value


def test_every_action_and_department_is_named_in_chinese_on_the_public_pages(world, clock):
    departments = world.as_("demo-committee").get("/api/v1/departments").data
    urban = next(d for d in departments if d["code"] == "urban_mgmt")
    codes = ({a.value for a in Action} | {s.value for s in Status}
             | {d["code"] for d in departments} | {"A", "B", "committee"})
    raw = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) + r")(?![\w-])")

    seen_actions = set()
    for no in _walk(world, clock):
        data = world.client.get(f"/api/v1/public/requests/{no}").get_json()["data"]
        for step in data["timeline"]:
            seen_actions.add(step["action"])
            assert step["label"] in (ACTION_LABELS[Action(step["action"])], *SUPERVISION_LABELS.values())
            assert re.search(r"[\u4e00-\u9fff]", step["label"]), step
        for key, text in _strings(data):
            assert not raw.search(text) or key in {"at", "submitted_at", "accepted_at", "closed_at"}, (key, text)
        whistle_steps = [s for s in data["timeline"] if s["action"] in ("escalate", "report_back")]
        assert all(s["department"] == urban["name"] for s in whistle_steps)
        assert "报到" not in next((s["label"] for s in whistle_steps if s["action"] == "escalate"), "")

        html = world.client.get(f"/sunlight/requests/{no}").get_data(as_text=True)
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|head)[^>]*>.*?</\1>", " ", html, flags=re.S))
        found = raw.findall(visible)
        assert not found, f"raw codes on the public page of {no}: {found}"
        if whistle_steps:
            assert urban["name"] in visible
    # merge/absorb (two requests joined) are walked by the merge tests; their labels by the test below
    walked = {a.value for a in Action} - {"merge", "absorb"}
    assert seen_actions == walked, walked - seen_actions


def test_every_action_has_a_public_label():
    assert set(ACTION_LABELS) == set(Action)


def test_the_whistle_deadline_is_in_local_time(world):
    rid = world.submit()["id"]
    blown = world.as_("demo-committee").post(f"/api/v1/requests/{rid}/escalate",
                                             {"department": "urban_mgmt", "note": "占道经营需执法"})
    step = blown.data["timeline"][-1]
    assert step["data"]["deadline"].endswith("+08:00"), step
    assert blown.data["timeline"][0]["created_at"].endswith("+08:00")

