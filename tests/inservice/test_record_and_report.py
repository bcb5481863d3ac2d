"""The service record, the committee's evaluation, and the yearly report to work units."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from server.cards.models import Card
from server.extensions import db
from tests.inservice.conftest import approved, make_activity


def _serve(world, clock) -> dict:
    """demo-inservice attends a 3-hour activity and handles a request rated 满意."""
    aid = make_activity(world, hours=3)["id"]
    member = world.as_("demo-inservice")
    member.post(f"/api/v1/activities/{aid}/signup")
    clock.advance(days=2, hours=1)
    world.as_("demo-committee").post(f"/api/v1/activities/{aid}/attendance",
                                     {"member_ids": [world.user("demo-inservice").id]})
    rid = world.submit(category_code="policy")["id"]
    member.post(f"/api/v1/requests/{rid}/accept")
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "已解答政策问题"})
    world.as_("demo-committee").post(f"/api/v1/requests/{rid}/approve")
    world.as_("demo-resident").post(f"/api/v1/requests/{rid}/rate",
                                    {"resolved": True, "satisfaction": "satisfied"})
    registration = member.get("/api/v1/inservice/me").data["registrations"][0]
    evaluation = world.as_("demo-committee").post(
        f"/api/v1/inservice/registrations/{registration['id']}/evaluation",
        {"year": 2026, "grade": "excellent", "comment": "服务积极"})
    assert evaluation.status == 200 and evaluation.data["grade_label"] == "优秀"
    return {"activity": aid, "request": rid, "registration": registration["id"]}


def test_the_service_record_shows_hours_requests_and_evaluation(world, clock):
    served = _serve(world, clock)
    record = world.as_("demo-inservice").get("/api/v1/inservice/me").data
    assert record["hours_total"] == 3.0 and record["activities_attended"] == 1
    [handled] = record["requests"]
    assert handled["id"] == served["request"] and handled["status"] == "closed"
    assert handled["rating"] == {"resolved": True, "satisfaction": "satisfied"}
    assert [(e["year"], e["grade"], e["comment"]) for e in record["evaluations"]] == [
        (2026, "excellent", "服务积极")]


def test_no_record_for_someone_who_never_registered(world):
    assert world.as_("demo-member-a").get("/api/v1/inservice/me").status == 404
    assert world.as_(None).get("/api/v1/inservice/me").status == 401


def test_evaluation_rules(world, other_committee):
    rid = approved(world, "cadre-1")["id"]
    path = f"/api/v1/inservice/registrations/{rid}/evaluation"
    committee = world.as_("demo-committee")
    assert committee.post(path, {"year": 2026, "grade": "great"}).status == 422
    assert world.as_(other_committee).post(path, {"year": 2026, "grade": "qualified"}).status == 404
    assert committee.post(path, {"year": 2026, "grade": "qualified"}).data["grade"] == "qualified"
    # Set again: replaced, not duplicated.
    again = committee.post(path, {"year": 2026, "grade": "basically_qualified",
                                  "comment": "较少参加"})
    assert again.data["grade_label"] == "基本合格"
    record = world.as_("cadre-1").get("/api/v1/inservice/me").data
    assert [e["grade"] for e in record["evaluations"]] == ["basically_qualified"]
    pending = world.as_("cadre-2").post("/api/v1/inservice/registrations", {
        "name": "孙明", "work_unit": "镇赉县教育局", "party_branch": "教育局党支部",
        "community_id": world.community.id, "section_id": world.section.id,
        "phone": "13600001234"}).data["id"]
    refused = committee.post(f"/api/v1/inservice/registrations/{pending}/evaluation",
                             {"year": 2026, "grade": "qualified"})
    assert refused.status == 409 and refused.code == 40958


def test_the_report_in_json_csv_and_xlsx(world, clock):
    _serve(world, clock)
    approved(world, "cadre-1", work_unit="镇赉县教育局", name="孙明")
    committee = world.as_("demo-committee")
    report = committee.get("/api/v1/inservice/reports?year=2026")
    assert report.status == 200, report.body
    rows = {r["name"]: r for r in report.data["rows"]}
    assert set(rows) == {"陈立新", "孙明"}
    chen = rows["陈立新"]
    assert (chen["work_unit"], chen["hours"], chen["activities"], chen["requests_handled"],
            chen["satisfaction_rate"], chen["evaluation"]) == (
        "镇赉县财政局", 3.0, 1, 1, 1.0, "优秀")
    assert rows["孙明"]["hours"] == 0 and rows["孙明"]["evaluation"] is None

    only = committee.get("/api/v1/inservice/reports?year=2026&work_unit=镇赉县财政局").data
    assert [r["name"] for r in only["rows"]] == ["陈立新"]
    assert committee.get("/api/v1/inservice/reports?year=2025").data["rows"] == []

    raw = world.client.get("/api/v1/inservice/reports?year=2026&work_unit=镇赉县财政局&format=csv",
                           headers={"Authorization": f"Bearer {committee.token}"})
    assert raw.status_code == 200 and raw.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert lines[0][:3] == ["年度", "姓名", "工作单位"]
    assert lines[1][1:3] == ["陈立新", "镇赉县财政局"] and "100.0%" in lines[1]
    assert "13900000007" not in raw.data.decode("utf-8-sig")

    raw = world.client.get("/api/v1/inservice/reports?year=2026&format=xlsx",
                           headers={"Authorization": f"Bearer {committee.token}"})
    assert raw.status_code == 200 and "attachment" in raw.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(raw.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "2026年度在职党员回社区报到情况反馈表"
    assert values[1][1] == "姓名" and {values[2][1], values[3][1]} == {"陈立新", "孙明"}


def test_who_may_read_the_report(world, other_committee):
    assert world.as_(other_committee).get("/api/v1/inservice/reports?year=2026").data["rows"] == []
    admin = world.as_("demo-admin").get("/api/v1/inservice/reports?year=2026").data["rows"]
    assert [r["name"] for r in admin] == ["陈立新"]
    for openid in ("demo-inservice", "demo-member-a", "demo-resident"):
        assert world.as_(openid).get("/api/v1/inservice/reports?year=2026").status == 403
    committee = world.as_("demo-committee")
    assert committee.get("/api/v1/inservice/reports").status == 422
    assert committee.get("/api/v1/inservice/reports?year=2026&format=pdf").status == 422


def test_the_report_counts_the_members_warning_cards_of_the_year(world, clock):
    """A card on record for the year shows in the 反馈表; one revoked on appeal does not."""
    rule = world.as_("demo-admin").post("/api/v1/admin/card-rules", {
        "name": "接单超期", "kind": "member_overdue", "level": "member", "colour": "yellow",
        "params": {"min_overdue": 1}, "window_days": 30, "expiry_days": 30})
    assert rule.status == 201, rule.body
    member = world.user("demo-inservice").id
    for period, colour, status in (("2026-W46", "yellow", "active"), ("2026-W47", "red", "upheld"),
                                   ("2026-W45", "yellow", "revoked")):
        db.session.add(Card(rule_id=rule.data["id"], level="member", holder_id=member,
                            community_id=world.community.id, period=period, colour=colour,
                            reason="接单后超期未办结", status=status, issued_at=clock.now(),
                            expires_at=clock.now() + timedelta(days=30)))
    db.session.commit()
    rows = world.as_("demo-committee").get("/api/v1/inservice/reports?year=2026").data["rows"]
    chen = next(r for r in rows if r["name"] == "陈立新")
    assert (chen["yellow_cards"], chen["red_cards"]) == (1, 1)
