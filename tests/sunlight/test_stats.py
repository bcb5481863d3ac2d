"""The committee's assessment: who may read it, the exports, and the weekly report job."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Notification
from server.sunlight.models import WeeklyReport


def _closed_on_time(world, clock):
    rid = world.submit()["id"]
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    clock.advance(minutes=10)
    member.post(f"/api/v1/requests/{rid}/accept")
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "好了"})
    committee.post(f"/api/v1/requests/{rid}/approve")
    world.as_("demo-resident").post(f"/api/v1/requests/{rid}/rate",
                                    {"resolved": True, "satisfaction": "satisfied"})
    return rid


@pytest.mark.parametrize(("who", "query", "status"), [
    ("demo-committee", "", 200),
    ("demo-committee", "?community_id={own}", 200),
    ("demo-committee", "?community_id={other}", 403),
    ("demo-committee", "?community_id=999999", 404),
    ("demo-admin", "", 200),
    ("demo-admin", "?community_id={other}", 200),
    ("demo-member-a", "", 403),
    ("demo-resident", "?community_id={own}", 403),
    (None, "", 401),
    ("demo-committee", "?group=street", 422),
    ("demo-committee", "?start=2026-11-30&end=2026-11-01", 422),
    ("demo-committee", "?start=yesterday", 422),
])
def test_who_may_read_the_stats(world, who, query, status):
    path = "/api/v1/stats" + query.format(own=world.community.id, other=world.other_community.id)
    assert world.as_(who).get(path).status == status


def test_admin_sees_all_communities(world, clock):
    _closed_on_time(world, clock)
    items = world.as_("demo-admin").get("/api/v1/stats").data["items"]
    assert {i["name"]: i["total"] for i in items} == {"庆生社区": 1}
    members = world.as_("demo-committee").get("/api/v1/stats?group=member").data["items"]
    assert [(m["name"], m["on_time_rate"], m["satisfaction_rate"]) for m in members] == [
        ("王建国", 1.0, 1.0)]  # the committee sees its members' names in full


def test_exports_as_csv_and_xlsx(world, clock):
    _closed_on_time(world, clock)
    api = world.as_("demo-committee")
    headers = {"Authorization": f"Bearer {api.token}"}
    csv_response = world.client.get("/api/v1/stats/export?format=csv&group=team", headers=headers)
    assert csv_response.status_code == 200 and csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_response.get_data().decode("utf-8-sig"))))
    assert rows[1][:2] == ["分组", "诉求数"] and "响应率" in rows[1]
    assert rows[0][1] == "分组方式：按服务队"
    assert not any(re.search(r"[A-Za-z]{2,}", cell) for cell in rows[0] + rows[1]), rows[:2]  # one language
    assert rows[2][:2] == ["第一网格暖心服务团", "1"] and rows[2][rows[1].index("响应率")] == "1.0"
    xlsx = world.client.get("/api/v1/stats/export?group=team", headers=headers)
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][:2] == ["第一网格暖心服务团", 1]
    assert world.client.get("/api/v1/stats/export?format=pdf", headers=headers).status_code == 422
    assert world.client.get("/api/v1/stats/export").status_code == 401


def test_weekly_report_job_stores_the_week_and_notifies_the_committee(world, clock):
    _closed_on_time(world, clock)  # Monday 23 November, 09:10 local
    job = all_jobs()["weekly_report"]
    assert job.func(clock.now()) == "2 weekly reports stored"  # last week (16–22 Nov): empty
    reports = list(db.session.scalars(select(WeeklyReport)))
    assert len(reports) == 2
    assert all(r.figures["community"]["total"] == 0 for r in reports)
    monday = clock.advance(days=7)
    assert job.func(monday) == "2 weekly reports stored"
    assert job.func(monday + timedelta(hours=1)) == "0 weekly reports stored"  # idempotent
    api = world.as_("demo-committee")
    page = api.get(f"/api/v1/stats/weekly?community_id={world.community.id}").data
    latest = page["items"][0]
    assert latest["week_start"].startswith("2026-11-23T00:00:00+08:00")
    assert latest["figures"]["community"]["total"] == 1
    assert latest["figures"]["community"]["on_time_rate"] == 1.0
    assert str(world.team_a.id) in latest["figures"]["team"]
    inbox = api.get("/api/v1/notifications").data["items"]
    weekly = [n for n in inbox if n["kind"] == "weekly_report"]
    assert weekly[0]["title"] == "庆生社区周报（11月23日–11月29日）"
    assert "收到诉求1件" in weekly[0]["body"] and "按时办结率100.0%" in weekly[0]["body"]
    assert world.as_("demo-member-a").get("/api/v1/stats/weekly").status == 403
    recipients = set(db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "weekly_report")))
    assert recipients == {world.user("demo-committee").id}
