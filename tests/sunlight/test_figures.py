"""The figures, checked against values worked out by hand for a week with a return, a
reassignment, a reopening, a cancellation, a late approval and overdue work."""

from __future__ import annotations

import pytest

from server.sunlight.figures import figures_for


@pytest.fixture
def week(world, clock):
    """Five sanitation requests (accept within 30 min, resolve within 24 h), all at T0 but R5.

    R1 accepted at 5 min by A1, returned once, closed at 2 h, rated 不满意, reopened at 3 h
       (new deadline 27 h), closed again at 5 h, rated 基本满意 and resolved.
    R2 accepted late (40 min) by A2, reassigned to member B (team B) at 1 h, resolved at 2 h,
       approved late at 30 h, rated 满意.
    R3 cancelled by the resident at 10 min. R4 never accepted (overdue at 30 h).
    R5 submitted at 29 h, never accepted (green at 30 h). The figures are read at 30 h.
    """
    resident, committee = world.as_("demo-resident"), world.as_("demo-committee")
    a1, a2, b = world.as_("demo-member-a"), world.as_("demo-member-a2"), world.as_("demo-member-b")
    r1, r2, r3, r4 = (world.submit()["id"] for _ in range(4))
    go = clock.advance

    def ok(response):
        assert response.status == 200, response.body
        return response

    go(minutes=5)
    ok(a1.post(f"/api/v1/requests/{r1}/accept"))
    go(minutes=5)
    ok(resident.post(f"/api/v1/requests/{r3}/cancel"))
    go(minutes=30)
    ok(a2.post(f"/api/v1/requests/{r2}/accept"))
    go(minutes=20)  # 1 h
    ok(a1.post(f"/api/v1/requests/{r1}/resolve", {"note": "已清理"}))
    ok(committee.post(f"/api/v1/requests/{r1}/return", {"reason": "还有杂物"}))
    ok(a1.post(f"/api/v1/requests/{r1}/resolve", {"note": "全部清理"}))
    ok(committee.post(f"/api/v1/requests/{r2}/assign",
                      {"member_id": world.user("demo-member-b").id}))
    go(hours=1)  # 2 h
    ok(committee.post(f"/api/v1/requests/{r1}/approve"))
    ok(resident.post(f"/api/v1/requests/{r1}/rate",
                     {"resolved": False, "satisfaction": "dissatisfied"}))
    ok(b.post(f"/api/v1/requests/{r2}/resolve", {"note": "已处理"}))
    go(hours=1)  # 3 h
    ok(resident.post(f"/api/v1/requests/{r1}/reopen", {"reason": "又堆上了"}))
    go(hours=1)  # 4 h
    ok(a1.post(f"/api/v1/requests/{r1}/resolve", {"note": "张贴告示"}))
    go(hours=1)  # 5 h
    ok(committee.post(f"/api/v1/requests/{r1}/approve"))
    ok(resident.post(f"/api/v1/requests/{r1}/rate",
                     {"resolved": True, "satisfaction": "basically_satisfied"}))
    go(hours=24)  # 29 h
    world.submit()
    go(hours=1)  # 30 h
    ok(committee.post(f"/api/v1/requests/{r2}/approve"))
    ok(resident.post(f"/api/v1/requests/{r2}/rate",
                     {"resolved": True, "satisfaction": "satisfied"}))
    return world


def test_community_figures_by_hand(week, clock):
    f = figures_for(now=clock.now())[None].to_dict()
    assert (f["total"], f["dispatched"], f["responded"]) == (5, 4, 1)
    assert f["response_rate"] == 0.25
    assert (f["rated"], f["rated_resolved"], f["rated_satisfied"]) == (2, 2, 2)
    assert f["resolution_rate"] == 1.0 and f["satisfaction_rate"] == 1.0
    assert (f["closed"], f["closed_on_time"], f["open_overdue"]) == (2, 1, 1)
    assert f["on_time_rate"] == round(1 / 3, 4)
    assert f["by_status"]["closed"] == 2 and f["by_status"]["cancelled"] == 1
    assert f["by_status"]["dispatched"] == 2
    assert f["by_light"] == {"green": 1, "yellow": 0, "red": 1}
    assert f["median_accept_minutes"] == 22.5  # 5 and 40
    assert f["median_resolve_minutes"] == 180.0  # R1 at 4 h (after the reopening), R2 at 2 h


def test_figures_by_team_and_member_follow_the_reassignment(week, clock):
    now = clock.now()
    teams = {k: f.to_dict() for k, f in figures_for(now=now, group="team").items()}
    a, b = teams[week.team_a.id], teams[week.team_b.id]
    assert (a["total"], a["dispatched"], a["responded"], a["response_rate"]) == (4, 3, 1, 0.3333)
    assert (a["closed"], a["closed_on_time"], a["open_overdue"]) == (1, 1, 1)
    assert a["on_time_rate"] == 0.5
    assert (b["total"], b["response_rate"], b["on_time_rate"]) == (1, 0.0, 0.0)
    assert b["satisfaction_rate"] == 1.0
    members = figures_for(now=now, group="member")
    assert set(members) == {week.user("demo-member-a").id, week.user("demo-member-b").id}
    assert members[week.user("demo-member-a").id].to_dict()["on_time_rate"] == 1.0


def test_stats_api_window_and_groups(week):
    committee = week.as_("demo-committee")
    day = committee.get("/api/v1/stats?start=2026-11-23&end=2026-11-23")
    assert day.status == 200, day.body
    assert [i["total"] for i in day.data["items"]] == [4]  # R5 came the next day
    assert day.data["items"][0]["name"] == "庆生社区"
    both = committee.get("/api/v1/stats?group=team&start=2026-11-23&end=2026-11-24").data["items"]
    assert {i["name"]: i["total"] for i in both} == {
        "第一网格暖心服务团": 4, "幸福小区片区先锋服务队": 1}
