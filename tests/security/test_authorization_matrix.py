"""Every route of the app × every role, with the exact status expected in each cell.

The table below is keyed by (rule, method) as ``app.url_map`` spells them; a route added
without a row fails ``test_every_route_has_a_row``. Path parameters are filled with objects of
the *first* community, its demo team and its demo resident (built fresh for each cell, so that
one cell's success cannot change another's outcome), so the "another X" columns test object-level
authorization: something not visible is 404, visible but not allowed is 403.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.assessment.models import MeetingPack
from server.extensions import db
from server.jobs import all_jobs
from tests.factories import Api, image_bytes
from tests.security.conftest import ROLES

COLUMNS = tuple(ROLES)
_n = itertools.count(1)


def row(default: int, anon: int | None = None, **cells: int) -> dict[str, int]:
    """A row: ``default`` for every logged-in role, ``anon`` (401 unless given) and overrides."""
    out = {role: default for role in COLUMNS}
    out["anon"] = 401 if anon is None else anon
    for role, status in cells.items():
        assert role in COLUMNS, role
        out[role] = status
    return out


def public(status: int = 200) -> dict[str, int]:
    return {role: status for role in COLUMNS}


# --- fresh objects of the first community ----------------------------------------------------

PATHS = {  # how a request of the demo resident reaches a status, and by whom
    "dispatched": [],
    "accepted": [("demo-member-a", "accept", {})],
    "resolved": [("demo-member-a", "accept", {}), ("demo-member-a", "resolve", {"note": "已处理"})],
    "referred": [("demo-member-a", "accept", {}),
                 ("demo-committee", "escalate", {"department": "housing", "note": "需要维修"})],
    "closed": [("demo-member-a", "accept", {}), ("demo-member-a", "resolve", {"note": "已处理"}),
               ("demo-committee", "approve", {})],
    "rated": [("demo-member-a", "accept", {}), ("demo-member-a", "resolve", {"note": "已处理"}),
              ("demo-committee", "approve", {}),
              ("demo-resident", "rate", {"resolved": False, "satisfaction": "dissatisfied"})],
}


def a_request(w, status: str = "dispatched") -> dict:
    data = w.submit()
    for openid, action, body in PATHS[status]:
        response = w.as_(openid).post(f"/api/v1/requests/{data['id']}/{action}", body)
        assert response.status == 200, (status, action, response.body)
    return data


def department_id(w) -> int:
    from server.duty.models import Department

    return db.session.scalar(select(Department.id).order_by(Department.id))


def a_guarantor(w) -> int:
    response = w.as_("demo-county").post(f"/api/v1/communities/{w.community.id}/guarantors", {
        "unit_name": "县交通局", "leader_name": "赵主任", "starts_on": "2026-11-01"})
    return response.data["id"]


def a_directive_body(w) -> dict:
    return {"title": "清扫积雪", "description": "雪后清出人行道", "category_code": "sanitation",
            "deadline": (w.clock.now() + timedelta(hours=6)).isoformat(),
            "community_ids": [w.community.id]}


def a_directive(w) -> int:
    return w.as_("demo-street").post("/api/v1/directives", a_directive_body(w)).data["id"]


def a_meeting_pack(w) -> int:
    """Last week's pack of the first community's street, stored by the job itself."""
    all_jobs()["meeting_packs"].func(w.clock.now())
    return db.session.scalar(select(MeetingPack.id).where(
        MeetingPack.street_id == w.community.street_id))


def a_user(w) -> int:
    openid = f"matrix-{next(_n)}"
    response = Api(w.client).post("/api/v1/auth/wechat-login", {"code": f"dev-{openid}"})
    return response.data["user"]["id"]


def an_activity(w) -> int:
    start = w.clock.now() + timedelta(days=3)
    response = w.as_("demo-committee").post("/api/v1/activities", {
        "title": "清理楼道", "community_id": w.community.id, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 10, "hours": 2})
    assert response.status == 201, response.body
    return response.data["id"]


def a_registration(w) -> int:
    openid = f"matrix-{next(_n)}"
    token = Api(w.client).post("/api/v1/auth/wechat-login", {"code": f"dev-{openid}"}).data
    response = Api(w.client, token["access_token"]).post("/api/v1/inservice/registrations", {
        "name": "张三", "work_unit": "县财政局", "party_branch": "第一支部", "phone": "13800138000",
        "community_id": w.community.id, "section_id": w.section.id})
    assert response.status == 201, response.body
    return response.data["id"]


def a_leave(w) -> int:
    start = w.clock.now() + timedelta(days=1)
    response = w.as_("demo-committee").post("/api/v1/leaves", {
        "user_id": w.user("demo-member-a").id, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=1)).isoformat()})
    assert response.status == 201, response.body
    return response.data["id"]


def a_notification(w) -> int:
    from server.notifications.models import Notification

    a_request(w)  # its dispatch notifies the demo team
    return db.session.scalar(select(Notification.id).where(
        Notification.user_id == w.user("demo-member-a").id).order_by(Notification.id.desc()))


def a_photo_name(w) -> str:
    response = w.as_("demo-resident").post(
        "/api/v1/uploads", data={"file": (__import__("io").BytesIO(image_bytes()), "a.jpg")},
        content_type="multipart/form-data")
    return response.data["url"].rsplit("/", 1)[-1]


def a_committee_user(w) -> int:
    user_id = a_user(w)
    response = w.as_("demo-admin").post("/api/v1/admin/roles/grant", {
        "role": "committee", "user_id": user_id, "community_id": w.community.id})
    assert response.status == 200, response.body
    return user_id


def a_team_member(w) -> int:
    user_id = a_user(w)
    response = w.as_("demo-admin").post(f"/api/v1/admin/teams/{w.team_a.id}/members",
                                        {"user_id": user_id})
    assert response.status == 200, response.body
    return user_id


def a_card_rule(w) -> int:
    response = w.as_("demo-admin").post("/api/v1/admin/card-rules", {
        "name": f"红灯{next(_n)}", "kind": "team_red_lights", "level": "team", "colour": "yellow",
        "params": {"min_red": 1}, "window_days": 7, "expiry_days": 30})
    assert response.status == 201, response.body
    return response.data["id"]


def a_card(w, status: str = "active") -> int:
    """A standing card of the demo A-post team (its members hold it; its committee decides)."""
    from server.cards.models import Card

    now = w.clock.now()
    card = Card(rule_id=a_card_rule(w), level="team", holder_id=w.team_a.id,
                community_id=w.community.id, period=f"p{next(_n)}", colour="yellow",
                reason="一周内红灯过多", status=status, issued_at=now,
                expires_at=now + timedelta(days=30))
    db.session.add(card)
    db.session.commit()
    return card.id


def grid_id(w) -> int:
    return w.section.grid_id


def category_id(w) -> int:
    from server.catalogue.models import Category

    return db.session.scalar(select(Category.id).order_by(Category.id))


# --- per route: path values and body (built fresh per cell) and the expected row -------------

def req(status="dispatched"):
    return lambda w: {"request_id": a_request(w, status)["id"]}


RID = "/api/v1/requests/<int:request_id>"
# Owner, team, committee, the street of its community and the county see a request.
STAFF_VIEW = dict(resident=200, member=200, committee=200, street=200, county=200)
# Street and county staff see the request but act on it only through supervision.
ABOVE = dict(street=403, county=403)
# Activities are seen by the members and committee of their community (and admins) only.
# Street and county staff hold no seat in a community's activities either.
NO_STAFF_SEAT = dict(resident=404, resident2=404, other_committee=404, street=404, county=404)

MATRIX: dict[tuple[str, str], tuple] = {
    # auth and account
    ("/api/v1/auth/wechat-login", "POST"): (None, lambda w: {"code": f"dev-matrix-{next(_n)}"},
                                            public(200)),
    ("/api/v1/auth/refresh", "POST"): ("refresh", None, row(200)),
    ("/api/v1/auth/logout", "POST"): ("fresh", None, row(200)),
    ("/api/v1/me", "GET"): (None, None, row(200)),
    ("/api/v1/ping", "GET"): (None, None, public(200)),
    # operations: readiness is public (it says nothing secret); metrics need METRICS_TOKEN,
    # which is not set here, so they do not exist for anyone (tests/ops proves the token)
    ("/readyz", "GET"): (None, None, public(200)),
    ("/metrics", "GET"): (None, None, public(404)),
    # self-service: each logged-in cell deletes an account of its own (the role's account is
    # needed by the cells after it), anonymous is 401
    ("/api/v1/me", "DELETE"): ("own", None, row(200)),
    ("/api/v1/me/phone", "POST"): (None, lambda w: {"code": f"phone-1380013{next(_n):04d}"}, row(200)),
    ("/api/v1/me/invitation", "POST"): (None, {"code": "no-such-invitation"}, row(422)),
    ("/api/v1/me/subscriptions", "GET"): (None, None, row(200)),
    ("/api/v1/me/subscriptions", "POST"): (None, {"results": {"dev-tmpl-new-task": "reject"}}, row(200)),
    ("/api/v1/notifications", "GET"): (None, None, row(200)),
    ("/api/v1/notifications/<int:notification_id>/read", "POST"): (
        lambda w: {"notification_id": a_notification(w)}, None, row(404, member=200)),
    # places and catalogue
    ("/api/v1/communities", "GET"): (None, None, public(200)),
    ("/api/v1/communities/<int:community_id>", "GET"): (
        lambda w: {"community_id": w.community.id}, None, public(200)),
    ("/api/v1/categories", "GET"): (None, None, public(200)),
    ("/api/v1/departments", "GET"): (None, None, row(200)),
    ("/api/v1/sections/<int:section_id>/on-duty", "GET"): (
        lambda w: {"section_id": w.section.id}, None, row(403, committee=200, other_committee=404)),
    # uploads and requests
    ("/api/v1/uploads", "POST"): (None, "image", row(201)),
    ("/api/v1/requests", "POST"): (None, lambda w: {
        "category_code": "sanitation", "description": "小区路灯坏了好几天", "section_id": w.section.id},
        row(201)),
    ("/api/v1/requests/mine", "GET"): (None, None, row(200)),
    # patrol reports: any member on a team of the place's community (both demo members are)
    ("/api/v1/patrol-reports", "POST"): (None, lambda w: {
        "category_code": "sanitation", "description": "巡查发现井盖松动", "section_id": w.section.id},
        row(403, member=201, other_member=201)),
    ("/api/v1/tasks", "GET"): (None, None, row(403, member=200, other_member=200)),
    ("/api/v1/supervision", "GET"): (None, None, row(403, street=200, county=200)),
    ("/api/v1/review", "GET"): (None, None, row(403, committee=200, other_committee=200)),
    ("/api/v1/review/lights", "GET"): (None, None, row(403, committee=200, other_committee=200)),
    (RID, "GET"): (req(), None, row(404, **STAFF_VIEW)),
    (RID + "/contact", "GET"): (req(), None, row(404, **STAFF_VIEW)),  # masked above
    (RID + "/cancel", "POST"): (req(), None, row(404, **ABOVE, resident=200, member=403, committee=403)),
    (RID + "/accept", "POST"): (req(), None, row(404, **ABOVE, resident=403, member=200, committee=403)),
    # place: nearby, "me too" (any resident but the owner), merging (the committee)
    ("/api/v1/requests/nearby", "GET"): ("?lat=45.843&lng=123.1925", None, row(200)),
    (RID + "/support", "POST"): (req(), None, row(200, resident=409)),
    (RID + "/support", "DELETE"): (req(), None, row(404)),
    (RID + "/merge", "POST"): (req(), lambda w: {"into": a_request(w)["id"]},
                               row(404, **ABOVE, resident=403, member=403, committee=200)),
    (RID + "/progress", "POST"): (req("accepted"), {"note": "处理中"},
                                  row(404, **ABOVE, resident=403, member=200, committee=403)),
    (RID + "/resolve", "POST"): (req("accepted"), {"note": "已处理"},
                                 row(404, **ABOVE, resident=403, member=200, committee=403)),
    (RID + "/approve", "POST"): (req("resolved"), None,
                                 row(404, **ABOVE, resident=403, member=403, committee=200)),
    (RID + "/return", "POST"): (req("resolved"), {"reason": "请补充照片"},
                                row(404, **ABOVE, resident=403, member=403, committee=200)),
    (RID + "/assign", "POST"): (req(), lambda w: {"member_id": w.user("demo-member-a2").id},
                                row(404, **ABOVE, resident=403, member=403, committee=200)),
    (RID + "/reject", "POST"): (req(), {"reason": "非本社区事项"},
                                row(404, **ABOVE, resident=403, member=403, committee=200)),
    # the street supervising the community takes it over (blows the whistle itself)
    (RID + "/escalate", "POST"): (req(), {"department": "housing", "note": "需要维修"},
                                  row(404, resident=403, member=403, committee=200, street=200,
                                      county=403)),
    # supervision (督办): the street of the community and the county instruct the committee
    (RID + "/instruct", "POST"): (req(), {"instruction": "请今日内处理"},
                                  row(404, resident=403, member=403, committee=403, street=200,
                                      county=200)),
    (RID + "/rate", "POST"): (req("closed"), {"resolved": True, "satisfaction": "satisfied"},
                              row(404, **ABOVE, resident=200, member=403, committee=403)),
    (RID + "/reopen", "POST"): (req("rated"), {"reason": "问题仍然存在"},
                                row(404, **ABOVE, resident=200, member=403, committee=403)),
    (RID + "/whistle/report", "POST"): (req("referred"), {"note": "住建局已到场"},
                                        row(404, **ABOVE, resident=403, member=403, committee=200)),
    (RID + "/whistle/response", "POST"): (req("referred"), {"note": "已修好"},
                                          row(404, **ABOVE, resident=403, member=403, committee=200)),
    (RID + "/moderation/clear", "POST"): (req(), None,
                                          row(404, **ABOVE, resident=403, member=403, committee=409)),
    ("/api/v1/moderation", "GET"): (None, None, row(403, committee=200, other_committee=200)),
    # duty
    ("/api/v1/teams/<int:team_id>/shifts", "GET"): (
        lambda w: {"team_id": w.team_a.id}, None, row(403, committee=200, other_committee=404)),
    ("/api/v1/teams/<int:team_id>/shifts", "PUT"): (
        lambda w: {"team_id": w.team_a.id},
        lambda w: {"shifts": [{"user_id": w.user("demo-member-a").id, "weekday": 0,
                               "start": "08:00", "end": "18:00"}]},
        row(403, committee=200, other_committee=404)),
    ("/api/v1/leaves", "GET"): (None, None, row(403, committee=200, other_committee=200)),
    ("/api/v1/leaves", "POST"): (None, lambda w: {
        "user_id": w.user("demo-member-a").id,
        "starts_at": (w.clock.now() + timedelta(days=1)).isoformat(),
        "ends_at": (w.clock.now() + timedelta(days=2)).isoformat()},
        row(403, committee=201, other_committee=404)),
    ("/api/v1/leaves/<int:leave_id>/cancel", "POST"): (
        lambda w: {"leave_id": a_leave(w)}, None, row(403, committee=200, other_committee=404)),
    # stats
    ("/api/v1/stats", "GET"): (None, None, row(403, committee=200, other_committee=200, admin=200)),
    ("/api/v1/stats/export", "GET"): (None, None,
                                      row(403, committee=200, other_committee=200, admin=200)),
    ("/api/v1/stats/weekly", "GET"): (None, None,
                                      row(403, committee=200, other_committee=200, admin=200)),
    # in-service members and activities
    ("/api/v1/inservice/me", "GET"): (None, None, row(404)),
    ("/api/v1/inservice/registrations", "POST"): (None, lambda w: {
        "name": "李四", "work_unit": "县教育局", "party_branch": "第二支部", "phone": "13900139000",
        "community_id": w.community.id, "section_id": w.section.id}, row(201)),
    ("/api/v1/inservice/registrations", "GET"): (None, None,
                                                 row(403, committee=200, other_committee=200)),
    ("/api/v1/inservice/registrations/<int:registration_id>/approve", "POST"): (
        lambda w: {"registration_id": a_registration(w)}, None,
        row(403, committee=200, other_committee=404)),
    ("/api/v1/inservice/registrations/<int:registration_id>/reject", "POST"): (
        lambda w: {"registration_id": a_registration(w)}, {"reason": "信息不全"},
        row(403, committee=200, other_committee=404)),
    ("/api/v1/inservice/registrations/<int:registration_id>/end", "POST"): (
        lambda w: {"registration_id": a_registration(w)}, {"reason": "已调离"},
        row(404, committee=200)),
    ("/api/v1/inservice/registrations/<int:registration_id>/evaluation", "POST"): (
        lambda w: {"registration_id": a_registration(w)}, {"year": 2026, "grade": "excellent"},
        row(403, committee=409, other_committee=404)),
    ("/api/v1/inservice/reports", "GET"): ("?year=2026&format=json", None,
                                           row(403, committee=200, other_committee=200, admin=200)),
    ("/api/v1/activities", "POST"): (None, lambda w: {
        "title": "义务植树", "community_id": w.community.id,
        "starts_at": (w.clock.now() + timedelta(days=2)).isoformat(),
        "ends_at": (w.clock.now() + timedelta(days=2, hours=2)).isoformat(),
        "capacity": 5, "hours": 2}, row(403, committee=201)),
    ("/api/v1/activities", "GET"): (None, None,
                                    row(200, resident=403, resident2=403, street=403, county=403)),
    ("/api/v1/activities/<int:activity_id>", "GET"): (
        lambda w: {"activity_id": an_activity(w)}, None, row(200, **NO_STAFF_SEAT)),
    ("/api/v1/activities/<int:activity_id>", "PATCH"): (
        lambda w: {"activity_id": an_activity(w)}, {"place": "社区广场"},
        row(403, committee=200, **NO_STAFF_SEAT)),
    ("/api/v1/activities/<int:activity_id>/cancel", "POST"): (
        lambda w: {"activity_id": an_activity(w)}, {"reason": "天气原因"},
        row(403, committee=200, **NO_STAFF_SEAT)),
    ("/api/v1/activities/<int:activity_id>/signups", "GET"): (
        lambda w: {"activity_id": an_activity(w)}, None, row(403, committee=200, **NO_STAFF_SEAT)),
    ("/api/v1/activities/<int:activity_id>/signup", "POST"): (
        lambda w: {"activity_id": an_activity(w)}, None,
        row(403, member=200, other_member=200, **NO_STAFF_SEAT)),
    ("/api/v1/activities/<int:activity_id>/withdraw", "POST"): (
        lambda w: {"activity_id": an_activity(w)}, None, row(409, **NO_STAFF_SEAT)),
    ("/api/v1/activities/<int:activity_id>/attendance", "POST"): (
        lambda w: {"activity_id": an_activity(w)},
        lambda w: {"member_ids": [w.user("demo-member-a").id]},
        row(403, committee=409, **NO_STAFF_SEAT)),
    # warning cards: a team's card is seen by its members, its committee, the street, the
    # county and admin; appealed by its members; decided by its committee
    ("/api/v1/cards", "GET"): (None, None, row(200)),
    ("/api/v1/cards/<int:card_id>", "GET"): (
        lambda w: {"card_id": a_card(w)}, None,
        row(200, resident=404, resident2=404, other_member=404, other_committee=404)),
    ("/api/v1/cards/<int:card_id>/appeal", "POST"): (
        lambda w: {"card_id": a_card(w)}, {"reason": "事出有因"},
        row(403, member=200, resident=404, resident2=404, other_member=404, other_committee=404)),
    ("/api/v1/cards/<int:card_id>/decision", "POST"): (
        lambda w: {"card_id": a_card(w, "appealed")}, {"decision": "revoke", "reason": "属实"},
        row(403, committee=200, resident=404, resident2=404, other_member=404,
            other_committee=404)),
    ("/api/v1/admin/card-rules", "GET"): (None, None, row(403, admin=200)),
    ("/api/v1/admin/card-rules", "POST"): (None, lambda w: {
        "name": "满意率偏低", "kind": "team_satisfaction", "level": "team", "colour": "yellow",
        "params": {"below": 0.8, "min_ratings": 5}, "window_days": 30, "expiry_days": 30},
        row(403, admin=201)),
    ("/api/v1/admin/card-rules/<int:rule_id>", "PATCH"): (
        lambda w: {"rule_id": a_card_rule(w)}, {"params": {"min_red": 3}}, row(403, admin=200)),
    ("/api/v1/admin/card-rules/<int:rule_id>/retire", "POST"): (
        lambda w: {"rule_id": a_card_rule(w)}, None, row(403, admin=200)),
    # administration
    ("/api/v1/admin/audit", "GET"): (None, None, row(403, admin=200)),
    ("/api/v1/admin/categories", "GET"): (None, None, row(403, admin=200)),
    ("/api/v1/admin/categories", "POST"): (None, lambda w: {
        "code": f"matrix{next(_n)}", "name": f"测试类别{next(_n)}", "accept_minutes": 30,
        "resolve_hours": 24, "dispatch_order": ["A", "B", "committee"]}, row(403, admin=201)),
    ("/api/v1/admin/categories/<int:category_id>", "PATCH"): (
        lambda w: {"category_id": category_id(w)}, {"sort": 1}, row(403, admin=200)),
    # department assessment: streets and the county read; only a street grades (the demo world
    # blew no whistle, so the street's grade is refused as "not worked with": 409)
    ("/api/v1/departments/assessment", "GET"): (None, None, row(403, street=200, county=200, admin=200)),
    ("/api/v1/departments/<int:department_id>/grades", "POST"): (
        lambda w: {"department_id": department_id(w)}, {"quarter": "2026-Q4", "grade": "好"},
        row(403, street=409)),
    ("/api/v1/departments/grades", "GET"): (None, None, row(403, street=200, county=200, admin=200)),
    # 包保: the admin, the county and the community's street name and change them
    ("/api/v1/communities/<int:community_id>/guarantors", "GET"): (
        lambda w: {"community_id": w.community.id}, None,
        row(403, street=200, county=200, admin=200)),
    ("/api/v1/communities/<int:community_id>/guarantors", "POST"): (
        lambda w: {"community_id": w.community.id},
        {"unit_name": "县交通局", "leader_name": "赵主任", "starts_on": "2026-11-01"},
        row(403, street=201, county=201, admin=201)),
    ("/api/v1/guarantors/<int:guarantor_id>", "PATCH"): (
        lambda w: {"guarantor_id": a_guarantor(w)}, {"ends_on": "2026-11-30"},
        row(404, street=200, county=200, admin=200)),
    ("/api/v1/guarantors/assessment", "GET"): (None, None, row(403, street=200, county=200, admin=200)),
    # top-down tasks: the county, a street (its communities) or a committee (its own) lists one;
    # the target community's committee names who answers for it
    ("/api/v1/directives", "GET"): (None, None, row(403, committee=200, other_committee=200,
                                                     street=200, county=200, admin=200)),
    ("/api/v1/directives", "POST"): (None, lambda w: a_directive_body(w),
                                     row(403, committee=201, street=201, county=201, admin=201)),
    ("/api/v1/directives/<int:directive_id>", "GET"): (
        lambda w: {"directive_id": a_directive(w)}, None,
        row(404, committee=200, street=200, county=200, admin=200)),
    ("/api/v1/directives/<int:directive_id>/communities/<int:community_id>/designate", "POST"): (
        lambda w: {"directive_id": a_directive(w), "community_id": w.community.id},
        lambda w: {"member_id": w.user("demo-member-a").id},
        row(404, committee=200, street=403, county=403, admin=403)),
    # the streets' weekly meeting packs (每周会商): the job stores last week's for the cell
    ("/api/v1/meeting-packs", "GET"): (None, None, row(403, street=200, county=200, admin=200)),
    ("/api/v1/meeting-packs/<int:pack_id>", "GET"): (
        lambda w: {"pack_id": a_meeting_pack(w)}, None, row(403, street=200, county=200, admin=200)),
    # rankings with their flags: street staff their own street (the default), the county and
    # admins the county (the default) or any street
    ("/api/v1/rankings", "GET"): (None, None, row(403, street=200, county=200, admin=200)),
    ("/api/v1/admin/departments", "GET"): (None, None, row(403, admin=200)),
    ("/api/v1/admin/departments", "POST"): (None, lambda w: {
        "code": f"dept{next(_n)}", "name": f"测试部门{next(_n)}", "response_hours": 48},
        row(403, admin=201)),
    ("/api/v1/admin/departments/<int:department_id>", "PATCH"): (
        lambda w: {"department_id": department_id(w)}, {"response_hours": 36}, row(403, admin=200)),
    ("/api/v1/admin/streets", "GET"): (None, None, row(403, admin=200)),
    ("/api/v1/admin/streets", "POST"): (None, lambda w: {
        "code": f"ST{next(_n)}", "name": f"测试街道{next(_n)}"}, row(403, admin=201)),
    ("/api/v1/admin/streets/<int:street_id>", "PATCH"): (
        lambda w: {"street_id": w.community.street_id}, lambda w: {"name": f"镇赉镇{next(_n)}"},
        row(403, admin=200)),
    ("/api/v1/admin/communities", "GET"): (None, None, row(403, admin=200)),
    ("/api/v1/admin/communities", "POST"): (None, lambda w: {
        "code": f"M{next(_n)}", "name": f"测试社区{next(_n)}"}, row(403, admin=201)),
    ("/api/v1/admin/communities/<int:community_id>", "GET"): (
        lambda w: {"community_id": w.community.id}, None,
        row(403, committee=200, other_committee=404, admin=200)),
    ("/api/v1/admin/communities/<int:community_id>", "PATCH"): (
        lambda w: {"community_id": w.community.id}, lambda w: {"street_id": w.community.street_id},
        row(403, admin=200)),
    ("/api/v1/admin/communities/<int:community_id>/grids", "POST"): (
        lambda w: {"community_id": w.community.id}, lambda w: {"name": f"新网格{next(_n)}"},
        row(403, admin=201)),
    ("/api/v1/admin/communities/<int:community_id>/people", "GET"): (
        lambda w: {"community_id": w.community.id}, None,
        row(403, committee=200, other_committee=404, admin=200)),
    ("/api/v1/admin/grids/<int:grid_id>", "PATCH"): (
        lambda w: {"grid_id": grid_id(w)}, lambda w: {"name": f"第一网格{next(_n)}"},
        row(403, admin=200)),
    ("/api/v1/admin/grids/<int:grid_id>/sections", "POST"): (
        lambda w: {"grid_id": grid_id(w)}, lambda w: {"name": f"新片区{next(_n)}"},
        row(403, admin=201)),
    ("/api/v1/admin/sections/<int:section_id>", "PATCH"): (
        lambda w: {"section_id": w.section.id}, lambda w: {"name": f"幸福小区{next(_n)}"},
        row(403, admin=200)),
    ("/api/v1/admin/teams", "POST"): (None, lambda w: {"grid_id": grid_id(w)},
                                      row(403, admin=409)),
    ("/api/v1/admin/teams/<int:team_id>", "PATCH"): (
        lambda w: {"team_id": w.team_a.id}, lambda w: {"name": f"暖心服务团{next(_n)}"},
        row(403, admin=200)),
    ("/api/v1/admin/teams/<int:team_id>/members", "GET"): (
        lambda w: {"team_id": w.team_a.id}, None,
        row(403, committee=200, other_committee=404, admin=200)),
    ("/api/v1/admin/teams/<int:team_id>/members", "POST"): (
        lambda w: {"team_id": w.team_a.id}, lambda w: {"user_id": a_user(w)},
        row(403, committee=200, other_committee=404, admin=200)),
    ("/api/v1/admin/teams/<int:team_id>/members/remove", "POST"): (
        lambda w: {"team_id": w.team_a.id}, lambda w: {"user_id": a_team_member(w)},
        row(403, committee=200, other_committee=404, admin=200)),
    ("/api/v1/admin/invitations", "POST"): (None, {"person_id": 2**31 - 1}, row(404)),
    ("/api/v1/communities/<int:community_id>/personal-reads", "GET"): (
        lambda w: {"community_id": w.community.id}, None,
        row(403, committee=200, other_committee=404)),
    ("/api/v1/admin/invitations/<int:invitation_id>/revoke", "POST"): (
        lambda w: {"invitation_id": 2**31 - 1}, {}, row(404)),
    ("/api/v1/admin/communities/<int:community_id>/invitations", "GET"): (
        lambda w: {"community_id": w.community.id}, None,
        row(403, committee=200, other_committee=404, admin=200)),
    ("/api/v1/admin/roles/grant", "POST"): (None, lambda w: {
        "role": "committee", "user_id": a_user(w), "community_id": w.community.id},
        row(403, admin=200)),
    ("/api/v1/admin/roles/revoke", "POST"): (None, lambda w: {
        "role": "committee", "user_id": a_committee_user(w), "community_id": w.community.id},
        row(403, admin=200)),
    ("/api/v1/admin/imports/structure", "POST"): (None, "csv", row(403, admin=422)),
    ("/api/v1/admin/imports/boundaries", "POST"): (None, "csv", row(403, admin=422)),
    # place
    ("/api/v1/locate", "GET"): ("?lat=45.843&lng=123.1925&coord_system=wgs84", None, row(200)),
    # public JSON, docs, OpenAPI
    ("/api/v1/public/communities", "GET"): (None, None, public(200)),
    ("/api/v1/public/communities/<int:community_id>/sunlight", "GET"): (
        lambda w: {"community_id": w.community.id}, None, public(200)),
    ("/api/v1/public/requests/<no>", "GET"): (lambda w: {"no": a_request(w)["no"]}, None,
                                              public(200)),
    ("/api/v1/public/communities/<int:community_id>/map.geojson", "GET"): (
        lambda w: {"community_id": w.community.id}, None, public(200)),
    ("/api/v1/public/county", "GET"): (None, None, public(200)),
    ("/api/v1/public/streets/<int:street_id>", "GET"): (
        lambda w: {"street_id": w.community.street_id}, None, public(200)),
    ("/api/v1/openapi.json", "GET"): (None, None, public(200)),
    ("/api/v1/docs", "GET"): (None, None, public(200)),
    # public HTML pages
    ("/sunlight/", "GET"): (None, None, public(200)),
    ("/sunlight/communities/<int:community_id>", "GET"): (
        lambda w: {"community_id": w.community.id}, None, public(200)),
    ("/sunlight/requests/<no>", "GET"): (lambda w: {"no": a_request(w)["no"]}, None, public(200)),
    ("/sunlight/county", "GET"): (None, None, public(200)),
    ("/sunlight/streets/<int:street_id>", "GET"): (
        lambda w: {"street_id": w.community.street_id}, None, public(200)),
    # media and static files
    ("/media/<path:filename>", "GET"): (lambda w: {"filename": a_photo_name(w)}, None, public(200)),
    ("/static/<path:filename>", "GET"): ({"filename": "nothing.css"}, None, public(404)),
    # the WeChat push callback: only WeChat's signature opens it, never a bearer token
    ("/wechat/push", "GET"): (None, None, public(403)),
    ("/wechat/push", "POST"): (None, {"MsgType": "event"}, public(403)),
    # Open311: keys of its own, never the mini-program's tokens
    ("/open311/v2/discovery.<any(json, xml):fmt>", "GET"): ({"fmt": "json"}, None, public(200)),
    ("/open311/v2/services.<any(json, xml):fmt>", "GET"): ({"fmt": "json"}, None, public(200)),
    ("/open311/v2/services/<code>.<any(json, xml):fmt>", "GET"): (
        {"code": "sanitation", "fmt": "json"}, None, public(200)),
    ("/open311/v2/requests.<any(json, xml):fmt>", "GET"): ({"fmt": "json"}, None, public(200)),
    ("/open311/v2/requests.<any(json, xml):fmt>", "POST"): ({"fmt": "json"}, None, public(403)),
    ("/open311/v2/requests/<service_request_id>.<any(json, xml):fmt>", "GET"): (
        lambda w: {"service_request_id": a_request(w)["no"], "fmt": "json"}, None, public(200)),
    ("/open311/v2/servicerequestupdates.<any(json, xml):fmt>", "GET"): (
        {"fmt": "json"}, None, public(200)),
    ("/open311/v2/tokens/<token>.<any(json, xml):fmt>", "GET"): (
        {"token": "no-such-token", "fmt": "json"}, None, public(404)),
    ("/open311/v2/", "GET"): (None, None, public(404)),
    ("/open311/v2/<path:rest>", "GET"): ({"rest": "nothing"}, None, public(404)),
}
# The catch-all of Open311 answers every other method the same way.
for _rule in ("/open311/v2/", "/open311/v2/<path:rest>"):
    for _method in ("POST", "PUT", "PATCH", "DELETE"):
        MATRIX[(_rule, _method)] = (MATRIX[(_rule, "GET")][0], None, public(404))

# Routes deliberately outside the OpenAPI document of /api/v1, and why.
OUTSIDE_OPENAPI = {
    ("/api/v1/openapi.json", "GET"): "the document itself",
    ("/api/v1/docs", "GET"): "the browsable page of the document (HTML)",
}
# HTML, Open311, files, push, operations
NOT_UNDER_API = ("/sunlight", "/open311", "/media", "/static", "/wechat", "/readyz", "/metrics")


def _routes(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row(app):
    routes = _routes(app)
    assert routes - set(MATRIX) == set(), "routes without a row in the authorization matrix"
    assert set(MATRIX) - routes == set(), "rows for routes the app no longer serves"


def test_the_openapi_document_lists_exactly_the_json_api(app):
    spec = app.extensions["api"].spec.to_dict()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items()
                  for method in ops if method in ("get", "post", "put", "patch", "delete")}
    served = set()
    for rule, method in _routes(app):
        if rule.startswith(NOT_UNDER_API) or (rule, method) in OUTSIDE_OPENAPI:
            continue
        assert rule.startswith("/api/v1/"), f"{rule} is neither under /api/v1 nor named outside it"
        path = rule
        for converter in ("int:", "path:", ""):
            path = path.replace(f"<{converter}", "{")
        served.add((path.replace(">", "}"), method))
    assert documented == served


def _call(w, role: str, rule: str, method: str, spec) -> int:
    where, body, _ = spec
    token_kind = where if where in ("refresh", "fresh") else None
    values: dict | str = {}
    query = ""
    if where == "own":
        pass
    elif isinstance(where, str) and where.startswith("?"):
        query = where
    elif callable(where):
        values = where(w)
    elif isinstance(where, dict):
        values = where
    path = rule
    for name, value in (values or {}).items():
        path = _fill(path, name, value)
    path += query
    openid = ROLES[role]
    headers = {}
    if openid is not None and where == "own":
        own = Api(w.client).post("/api/v1/auth/wechat-login", {"code": f"dev-own-{next(_n)}"}).data
        headers["Authorization"] = f"Bearer {own['access_token']}"
    elif openid is not None:
        if token_kind:
            tokens = Api(w.client).post("/api/v1/auth/wechat-login", {"code": f"dev-{openid}"}).data
            headers["Authorization"] = "Bearer " + tokens[
                "refresh_token" if token_kind == "refresh" else "access_token"]
        else:
            w.as_(openid)
            headers["Authorization"] = f"Bearer {w.tokens[openid]}"
    kwargs: dict = {"headers": headers}
    if body == "image":
        import io

        kwargs.update(data={"file": (io.BytesIO(image_bytes()), "a.jpg")},
                      content_type="multipart/form-data")
    elif body == "csv":
        import io

        kwargs.update(data={"file": (io.BytesIO(b"not,a,structure\n"), "s.csv")},
                      content_type="multipart/form-data")
    elif method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = body(w) if callable(body) else (body or {})
    response = w.client.open(path, method=method, **kwargs)
    status = response.status_code
    if status >= 500:
        pytest.fail(f"{method} {path} as {role}: {status} {response.get_data(True)[:300]}")
    response.close()  # file responses (media) hold their file open until closed
    return status


def _fill(rule: str, name: str, value) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">|<any\([^)]*\):" + re.escape(name) + ">",
                  str(value), rule)


def test_every_route_for_every_role(sec_world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 0)  # the matrix submits many
    w = sec_world
    for openid in ROLES.values():
        if openid:
            w.as_(openid)
    wrong = []
    for (rule, method), spec in sorted(MATRIX.items()):
        expected = spec[2]
        got = {role: _call(w, role, rule, method, spec) for role in COLUMNS}
        if got != expected:
            wrong.append(f"{method} {rule}: expected {expected} got {got}")
    assert not wrong, "\n" + "\n".join(wrong)
