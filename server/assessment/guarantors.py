"""包保买单: the unit that answers for a community (a department, or another unit by name) and its
responsible leader, over a date range. Red lights of the community's requests (overdue work,
tasks included) notify the leader; the assessment shows, per 包保 unit, what it answered for and
how it ended.

Managed by the admin, the county, and the street the community belongs to.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select

from server.accounts.enums import Role
from server.accounts.models import User
from server.accounts.service import street_ids_of, supervises_community
from server.assessment.models import Guarantor
from server.audit.service import audit
from server.cards.enums import CardStatus, Colour
from server.cards.models import Card
from server.duty.models import Department
from server.errors import Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid.models import Community
from server.notifications.service import notify
from server.requests.enums import OPEN_STATUSES, Satisfaction, Status
from server.requests.models import LightAlert, Rating, Request
from server.sheets import csv_bytes, xlsx_bytes


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _may_manage(user: User, community_id: int) -> bool:
    return Role.ADMIN in user.roles or supervises_community(user, community_id)


def _community(user: User, community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("社区不存在")
    if not _may_manage(user, community_id):
        raise Forbidden("只有平台管理员、县城乡治理服务中心或所属街道可以管理包保单位")
    return community


def list_for(*, user: User, community_id: int) -> list[Guarantor]:
    _community(user, community_id)
    return list(db.session.scalars(select(Guarantor).where(Guarantor.community_id == community_id)
                                   .order_by(Guarantor.starts_on.desc(), Guarantor.id.desc())))


def _check(*, department_id, unit_name, leader_user_id, starts_on, ends_on) -> str:
    if department_id is not None:
        department = db.session.get(Department, department_id)
        if department is None:
            raise Invalid("部门不存在", errors={"department_id": ["unknown department"]})
        unit_name = unit_name or department.name
    if not unit_name:
        raise Invalid("请填写包保单位或选择部门",
                      errors={"unit_name": ["give unit_name or department_id"]})
    if leader_user_id is not None and db.session.get(User, leader_user_id) is None:
        raise Invalid("包保领导账号不存在", errors={"leader_user_id": ["unknown user"]})
    if ends_on is not None and ends_on < starts_on:
        raise Invalid("结束日期不能早于开始日期", errors={"ends_on": ["before starts_on"]})
    return unit_name


def create(*, user: User, community_id: int, department_id: int | None, unit_name: str | None,
           leader_name: str, leader_user_id: int | None, starts_on: date, ends_on: date | None,
           now: datetime) -> Guarantor:
    _community(user, community_id)
    unit_name = _check(department_id=department_id, unit_name=unit_name,
                       leader_user_id=leader_user_id, starts_on=starts_on, ends_on=ends_on)
    row = Guarantor(community_id=community_id, department_id=department_id, unit_name=unit_name,
                    leader_name=leader_name, leader_user_id=leader_user_id, starts_on=starts_on,
                    ends_on=ends_on, created_by_id=user.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit(actor=user, action="guarantor.create", subject="guarantor", subject_id=row.id,
          community_id=community_id, now=now,
          data={"unit_name": unit_name, "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat() if ends_on else None})
    db.session.commit()
    return row


def update(*, user: User, guarantor_id: int, now: datetime, **changes) -> Guarantor:
    row = db.session.get(Guarantor, guarantor_id)
    if row is None or not _may_manage(user, row.community_id):
        raise NotFound("包保单位不存在")  # another street's: as if it did not exist
    checked = {"department_id": row.department_id, "unit_name": row.unit_name,
               "leader_user_id": row.leader_user_id, "starts_on": row.starts_on,
               "ends_on": row.ends_on}
    if "department_id" in changes and "unit_name" not in changes:
        checked["unit_name"] = None  # the unit follows the new department's name
    checked.update({k: v for k, v in changes.items() if k in checked})
    unit_name = _check(**checked)
    for name, value in changes.items():
        setattr(row, name, value)
    row.unit_name = unit_name
    audit(actor=user, action="guarantor.update", subject="guarantor", subject_id=row.id,
          community_id=row.community_id, now=now,
          data={k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()})
    db.session.commit()
    return row


def active(community_id: int, day: date) -> list[Guarantor]:
    return list(db.session.scalars(select(Guarantor).where(
        Guarantor.community_id == community_id, Guarantor.starts_on <= day,
        or_(Guarantor.ends_on.is_(None), Guarantor.ends_on >= day))))


def on_red_light(*, request: Request, now: datetime) -> None:
    """A request of the community turned red: its 包保 leaders are told (in the sweep's
    transaction, once per red light like the committee)."""
    leaders = [g.leader_user_id for g in active(request.community_id, now.astimezone(_zone()).date())
               if g.leader_user_id is not None]
    if leaders:
        notify(user_ids=leaders, kind="guarantor_red_light", title="包保提醒：所包保社区诉求超时",
               body=f"诉求{request.no}已超过办理时限，请督促所包保社区办理", now=now,
               request_id=request.id)


# --- what each unit answered for --------------------------------------------------------------


def assessment(*, user: User, now: datetime, start: date | None, end: date | None) -> dict:
    """Per 包保 unit: the red lights of its community while it answered for it (in the window),
    and how they ended."""
    roles = set(user.roles)
    streets = None if Role.ADMIN in roles or Role.COUNTY in roles else street_ids_of(user)
    if streets is not None and not streets:
        raise Forbidden("只有街道、县城乡治理服务中心或平台管理员可以查看包保考核")
    today = now.astimezone(_zone()).date()
    end = end or today
    start = start or date(end.year, 1, 1)
    if start > end:
        raise Invalid("开始日期不能晚于结束日期", errors={"start": ["after end"]})
    query = (select(Guarantor, Community.name).join(Community, Community.id == Guarantor.community_id)
             .where(Guarantor.starts_on <= end,
                    or_(Guarantor.ends_on.is_(None), Guarantor.ends_on >= start)))
    if streets is not None:
        query = query.where(Community.street_id.in_(streets))
    items = []
    for guarantor, community_name in db.session.execute(query.order_by(Guarantor.id)).all():
        first = max(start, guarantor.starts_on)
        last = min(end, guarantor.ends_on or end)
        items.append({"id": guarantor.id, "community_id": guarantor.community_id,
                      "community_name": community_name, "unit_name": guarantor.unit_name,
                      "leader_name": guarantor.leader_name,
                      "starts_on": guarantor.starts_on.isoformat(),
                      "ends_on": guarantor.ends_on.isoformat() if guarantor.ends_on else None,
                      **_answered_for(guarantor.community_id, first, last)})
    return {"start": start.isoformat(), "end": end.isoformat(), "items": items}


def _answered_for(community_id: int, first: date, last: date) -> dict:
    zone = _zone()
    begin = datetime.combine(first, time(), tzinfo=zone)
    finish = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    rows = db.session.execute(
        select(Request.id, Request.status).join(LightAlert, LightAlert.request_id == Request.id)
        .where(Request.community_id == community_id, LightAlert.light == "red",
               LightAlert.created_at >= begin, LightAlert.created_at < finish)
        .distinct()).all()
    ids = [rid for rid, _status in rows]
    ratings = {}
    if ids:
        for rid, satisfaction in db.session.execute(
                select(Rating.request_id, Rating.satisfaction).where(Rating.request_id.in_(ids))
                .order_by(Rating.request_id, Rating.cycle)):
            ratings[rid] = satisfaction  # the latest cycle wins
    satisfied = sum(1 for s in ratings.values()
                    if s in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED))
    cards = dict(db.session.execute(
        select(Card.colour, func.count()).where(
            Card.community_id == community_id, Card.status != CardStatus.REVOKED,
            Card.issued_at >= begin, Card.issued_at < finish).group_by(Card.colour)).all())
    return {
        "red_lights": len(ids),
        "closed": sum(1 for _rid, status in rows if status == Status.CLOSED),
        "still_open": sum(1 for _rid, status in rows if status in OPEN_STATUSES),
        "rated": len(ratings), "satisfied": satisfied,
        # warning cards (亮牌) of the community, its teams and members in the term, not revoked
        "yellow_cards": cards.get(Colour.YELLOW, 0), "red_cards": cards.get(Colour.RED, 0),
    }


COLUMNS = [("community_name", "社区"), ("unit_name", "包保单位"), ("leader_name", "包保领导"),
           ("starts_on", "包保开始"), ("ends_on", "包保结束"), ("red_lights", "红灯诉求数"),
           ("closed", "已办结"), ("still_open", "仍未办结"), ("rated", "已评价"),
           ("satisfied", "满意及基本满意"), ("yellow_cards", "黄牌（张）"), ("red_cards", "红牌（张）")]


def _rows(data: dict) -> list[list]:
    rows = [[f"统计区间：{data['start']} 至 {data['end']}"], [title for _k, title in COLUMNS]]
    rows += [[item.get(key) for key, _title in COLUMNS] for item in data["items"]]
    return rows


def to_csv(data: dict) -> bytes:
    return csv_bytes(_rows(data))


def to_xlsx(data: dict) -> bytes:
    return xlsx_bytes([("包保考核", _rows(data))])
