"""A request's whole life through HTTP, as the mini-program drives it."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import upload


def _upload(api, fmt="JPEG") -> int:
    return upload(api, fmt)["id"]


def test_full_life_submit_to_second_rating(world, clock):
    resident = world.as_("demo-resident")
    member = world.as_("demo-member-a")
    committee = world.as_("demo-committee")

    photo = _upload(resident)
    created = world.submit(photo_ids=[photo], public=True)
    assert created["status"] == "dispatched"
    assert created["no"].startswith("QS-20261123-")
    assert created["hop"] == "A" and created["team_id"] == world.team_a.id
    assert [p["id"] for p in created["photos"]] == [photo]
    rid = created["id"]

    available = member.get("/api/v1/tasks?scope=available")
    assert [r["id"] for r in available.data["items"]] == [rid]

    clock.advance(minutes=5)
    assert member.post(f"/api/v1/requests/{rid}/accept").data["status"] == "accepted"
    assert member.get("/api/v1/tasks?scope=available").data["items"] == []
    assert [r["id"] for r in member.get("/api/v1/tasks?scope=mine").data["items"]] == [rid]

    progress = member.post(f"/api/v1/requests/{rid}/progress", {"note": "已联系物业，明天清理"})
    assert progress.data["status"] == "in_progress"
    resolved = member.post(f"/api/v1/requests/{rid}/resolve",
                           {"note": "杂物已清理", "photo_ids": [_upload(member)]})
    assert resolved.data["status"] == "resolved"

    desk = committee.get("/api/v1/review")
    assert [r["id"] for r in desk.data["items"]] == [rid]
    returned = committee.post(f"/api/v1/requests/{rid}/return", {"reason": "楼梯扶手还有杂物"})
    assert returned.data["status"] == "in_progress"
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "扶手杂物也已清理"})
    closed = committee.post(f"/api/v1/requests/{rid}/approve")
    assert closed.data["status"] == "closed" and closed.data["closed_at"]

    rated = resident.post(f"/api/v1/requests/{rid}/rate",
                          {"resolved": False, "satisfaction": "dissatisfied", "comment": "又堆上了"})
    assert rated.data["ratings"][0]["satisfaction"] == "dissatisfied"
    clock.advance(days=2)
    reopened = resident.post(f"/api/v1/requests/{rid}/reopen", {"reason": "问题复发"})
    assert reopened.data["status"] == "in_progress" and reopened.data["reopen_count"] == 1
    assert reopened.data["handler_id"] == world.user("demo-member-a").id

    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已张贴告示并清理"})
    committee.post(f"/api/v1/requests/{rid}/approve", {"note": "复核通过"})
    final = resident.post(f"/api/v1/requests/{rid}/rate",
                          {"resolved": True, "satisfaction": "satisfied"})
    assert final.status == 200

    timeline = resident.get(f"/api/v1/requests/{rid}").data["timeline"]
    assert [(e["action"], e["to_status"]) for e in timeline] == [
        ("submit", "dispatched"), ("accept", "accepted"), ("progress", "in_progress"),
        ("resolve", "resolved"), ("return", "in_progress"), ("resolve", "resolved"),
        ("approve", "closed"), ("rate", "closed"), ("reopen", "in_progress"),
        ("resolve", "resolved"), ("approve", "closed"), ("rate", "closed"),
    ]
    assert timeline[1]["created_at"].endswith("+08:00")
    mine = resident.get("/api/v1/requests/mine").data
    assert [r["id"] for r in mine["items"]] == [rid] and mine["next_cursor"] is None


def test_reopen_window_is_enforced(world, clock):
    rid = world.submit()["id"]
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    member.post(f"/api/v1/requests/{rid}/accept")
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已处理"})
    committee.post(f"/api/v1/requests/{rid}/approve")
    resident = world.as_("demo-resident")
    resident.post(f"/api/v1/requests/{rid}/rate", {"resolved": False, "satisfaction": "dissatisfied"})
    clock.advance(days=7, seconds=1)
    late = resident.post(f"/api/v1/requests/{rid}/reopen", {"reason": "还是没解决"})
    assert late.status == 409 and late.code == 40901


def test_satisfied_rating_cannot_reopen_and_rating_twice_is_409(world):
    rid = world.submit()["id"]
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    member.post(f"/api/v1/requests/{rid}/accept")
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已处理"})
    committee.post(f"/api/v1/requests/{rid}/approve")
    resident = world.as_("demo-resident")
    assert resident.post(f"/api/v1/requests/{rid}/rate",
                         {"resolved": True, "satisfaction": "satisfied"}).status == 200
    again = resident.post(f"/api/v1/requests/{rid}/rate", {"resolved": True, "satisfaction": "satisfied"})
    assert again.status == 409 and again.code == 40904
    assert resident.post(f"/api/v1/requests/{rid}/reopen", {"reason": "x"}).status == 409


def test_deadlines_come_from_the_category(world):
    created = world.submit(category_code="safety")
    from datetime import datetime

    submitted = datetime.fromisoformat(created["submitted_at"])
    assert datetime.fromisoformat(created["accept_deadline"]) - submitted == timedelta(minutes=15)
    assert datetime.fromisoformat(created["resolve_deadline"]) - submitted == timedelta(hours=12)


def test_accepting_again_says_what_is_true(world):
    """40902 "已被他人接单" only when another member holds it; otherwise the status refuses (40901)."""
    rid = world.submit()["id"]
    member, other = world.as_("demo-member-a"), world.as_("demo-member-a2")
    member.post(f"/api/v1/requests/{rid}/accept")
    taken = other.post(f"/api/v1/requests/{rid}/accept")
    assert (taken.status, taken.code, taken.body["msg"]) == (409, 40902, "已被他人接单")
    mine = member.post(f"/api/v1/requests/{rid}/accept")
    assert (mine.status, mine.code) == (409, 40901) and "他人" not in mine.body["msg"]
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已处理"})
    world.as_("demo-committee").post(f"/api/v1/requests/{rid}/approve")
    for who in (member, other):
        closed = who.post(f"/api/v1/requests/{rid}/accept")
        assert (closed.status, closed.code, closed.body["msg"]) == (409, 40901, "当前状态不允许此操作")
