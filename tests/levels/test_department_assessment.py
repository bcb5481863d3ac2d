"""Department assessment: each department's record on the whistles it received, worked by
hand on a frozen clock; the streets' quarterly grades (once, only for departments they worked
with); who may read and grade; the annual export."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from server.admin.models import AuditEntry
from server.extensions import db
from server.grid.models import Street

HOUSING = "housing"


def _whistled(world, clock, *, report_after: int | None, answer_after: int | None,
              verdict: str | None = None, rating: str | None = None) -> int:
    """A request whistled to housing; its report and answer ``n`` minutes after the whistle."""
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    rid = world.submit()["id"]
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    assert committee.post(f"/api/v1/requests/{rid}/escalate",
                          {"department": HOUSING, "note": "需要维修"}).status == 200
    elapsed = 0
    if report_after is not None:
        clock.advance(minutes=report_after)
        elapsed = report_after
        assert committee.post(f"/api/v1/requests/{rid}/whistle/report", {}).status == 200
    if answer_after is not None:
        clock.advance(minutes=answer_after - elapsed)
        assert committee.post(f"/api/v1/requests/{rid}/whistle/response",
                              {"note": "已维修完毕"}).status == 200
    if verdict == "approve":
        assert committee.post(f"/api/v1/requests/{rid}/approve").status == 200
    elif verdict == "return":
        assert committee.post(f"/api/v1/requests/{rid}/return", {"reason": "未修好"}).status == 200
    if rating:
        assert world.as_("demo-resident").post(f"/api/v1/requests/{rid}/rate", {
            "resolved": True, "satisfaction": rating}).status == 200
    return rid


def _housing(data: dict) -> dict:
    return next(item for item in data["items"] if item["code"] == HOUSING)


def test_a_departments_record_follows_its_definition(world, clock):
    _whistled(world, clock, report_after=30, answer_after=600, verdict="approve", rating="satisfied")
    _whistled(world, clock, report_after=90, answer_after=24 * 60, verdict="return")
    _whistled(world, clock, report_after=None, answer_after=None)  # never answered
    clock.advance(days=10)  # every deadline (72 h) has passed: the third is late and open
    data = world.as_("demo-street").get("/api/v1/departments/assessment").data
    housing = _housing(data)
    assert (housing["whistles"], housing["reported"], housing["median_report_minutes"]) == (3, 2, 60.0)
    assert (housing["due"], housing["on_time"], housing["open_overdue"]) == (3, 2, 1)
    assert housing["on_time_rate"] == round(2 / 3, 4)
    assert (housing["accepted"], housing["returned"]) == (1, 1)
    assert (housing["rated"], housing["satisfied"], housing["satisfaction_rate"]) == (1, 1, 1.0)
    assert housing["rank"] == 1  # the only department with a figure ranks first
    others = [item for item in data["items"] if item["code"] != HOUSING]
    assert others and all(item["whistles"] == 0 and item["on_time_rate"] is None for item in others)
    assert data["grade_scale"] == ["好", "较好", "一般", "较差", "差", "很差"]


def test_a_street_sees_only_its_own_communities_whistles(world, clock):
    _whistled(world, clock, report_after=10, answer_after=60)
    other_street = world.other_community.street_id
    street = world.as_("demo-street")
    assert _housing(street.get("/api/v1/departments/assessment").data)["whistles"] == 1
    assert street.get(f"/api/v1/departments/assessment?street_id={other_street}").status == 403
    county = world.as_("demo-county")
    assert _housing(county.get("/api/v1/departments/assessment").data)["whistles"] == 1
    assert _housing(county.get(
        f"/api/v1/departments/assessment?street_id={other_street}").data)["whistles"] == 0
    assert county.get("/api/v1/departments/assessment?street_id=999999").status == 404
    for openid in ("demo-committee", "demo-member-a", "demo-resident"):
        assert world.as_(openid).get("/api/v1/departments/assessment").status == 403


def test_a_street_grades_a_department_it_worked_with_once_a_quarter(world, clock):
    _whistled(world, clock, report_after=10, answer_after=60)
    street = world.as_("demo-street")
    housing = _housing(street.get("/api/v1/departments/assessment").data)["department_id"]
    others = [i["department_id"] for i in street.get("/api/v1/departments/assessment").data["items"]
              if i["department_id"] != housing]
    path = f"/api/v1/departments/{housing}/grades"
    graded = street.post(path, {"quarter": "2026-Q4", "grade": "较好", "comment": "报到及时"})
    assert graded.status == 201 and graded.data["grade"] == "较好"
    assert graded.data["street_id"] == world.community.street_id
    again = street.post(path, {"quarter": "2026-Q4", "grade": "好"})
    assert again.status == 409 and again.code == 40970
    stranger = street.post(f"/api/v1/departments/{others[0]}/grades", {"quarter": "2026-Q4", "grade": "好"})
    assert stranger.status == 409 and stranger.code == 40971  # no whistle to it this quarter
    assert street.post(path, {"quarter": "2026-Q3", "grade": "好"}).code == 40971
    future = street.post(path, {"quarter": "2027-Q1", "grade": "好"})
    assert future.status == 422 and "quarter" in future.body["errors"]
    odd = street.post(path, {"quarter": "2026-Q4", "grade": "优秀"})
    assert odd.status == 422 and "grade" in odd.body["errors"]
    assert street.post(path, {"quarter": "2026-Q5", "grade": "好"}).status == 422
    assert street.post(path, {"quarter": "2026-Q4", "grade": "好", "extra": 1}).status == 422
    assert street.post("/api/v1/departments/999999/grades",
                       {"quarter": "2026-Q4", "grade": "好"}).status == 404
    for openid in ("demo-county", "demo-admin", "demo-committee"):
        assert world.as_(openid).post(path, {"quarter": "2026-Q4", "grade": "好"}).status == 403
    # The grade shows in the figures (较好: 5 of 6 points) and in the list; it is audited.
    item = _housing(street.get("/api/v1/departments/assessment").data)
    assert item["grade_score"] == 5.0 and item["grades"][0]["comment"] == "报到及时"
    listed = world.as_("demo-county").get("/api/v1/departments/grades?quarter=2026-Q4").data
    assert [(g["department_id"], g["grade"]) for g in listed["items"]] == [(housing, "较好")]
    assert world.as_("demo-committee").get("/api/v1/departments/grades").status == 403
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "department.grade")) == "department.grade"


def test_the_annual_export_in_xlsx_and_csv(world, clock):
    _whistled(world, clock, report_after=10, answer_after=60, verdict="approve")
    county = world.as_("demo-county")
    response = county.client.get("/api/v1/departments/assessment?format=csv&start=2026-01-01",
                                 headers={"Authorization": f"Bearer {county.token}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["统计区间：2026-01-01 至 2026-11-23"]
    assert rows[1][:3] == ["排名", "部门代码", "部门"]
    housing = next(row for row in rows[2:] if row[1] == HOUSING)
    assert housing[0] == "1" and housing[3] == "1" and housing[10] == "1"  # rank, whistles, accepted
    book = county.client.get("/api/v1/departments/assessment?format=xlsx",
                             headers={"Authorization": f"Bearer {county.token}"})
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.get_data())).active
    assert sheet.title == "部门考核" and sheet.cell(2, 3).value == "部门"
    assert db.session.scalar(select(Street.id).where(Street.id == world.community.street_id))
