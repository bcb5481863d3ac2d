"""The weekly meeting pack (每周会商) of each street: last week's figures per community, the red
lights and overdue whistles open now, and the figures far from their peers — stored by an
hourly, state-based job (a week is stored once), downloadable as XLSX, the street's staff told.

Outliers: the rankings' rule (``server.sunlight.rankings.outliers``): a community's rate below
Q1 − 1.5·IQR or above Q3 + 1.5·IQR of the street's communities that have that rate, only with at
least four communities with a figure.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.accounts.enums import Role
from server.accounts.models import RoleGrant, User
from server.accounts.service import street_ids_of
from server.assessment.models import MeetingPack
from server.duty.models import Department
from server.errors import Forbidden, NotFound
from server.extensions import db
from server.grid.models import Community, Street
from server.notifications.service import notify
from server.requests.lights import red_clause
from server.requests.models import Request, Whistle
from server.sheets import xlsx_bytes
from server.sunlight import figures
from server.sunlight.figures import RATE_LABELS
from server.sunlight.rankings import FLAGGED, outliers

RATES = {rate: RATE_LABELS[rate] for rate in FLAGGED}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def last_week(now: datetime) -> tuple[datetime, datetime]:
    """Local Monday 00:00 of last week and of this week."""
    today = now.astimezone(_zone()).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(), tzinfo=_zone())
    return monday - timedelta(days=7), monday


def _local(moment: datetime) -> str:
    return moment.astimezone(_zone()).strftime("%Y-%m-%d %H:%M")


def build(street: Street, start: datetime, end: datetime, now: datetime) -> dict:
    communities = list(db.session.scalars(select(Community).where(
        Community.street_id == street.id, Community.is_active.is_(True)).order_by(Community.id)))
    ids = [c.id for c in communities]
    by_community = figures.figures_for(now=now, group="community", start=start, end=end,
                                        middles=True)
    rows = [{"community_id": c.id, "name": c.name,
             **(by_community[c.id].to_dict() if c.id in by_community else figures.Figures().to_dict())}
            for c in communities]
    flags = []
    for rate, label in RATES.items():
        for community_id, side in outliers({r["community_id"]: r[rate] for r in rows}).items():
            name = next(r["name"] for r in rows if r["community_id"] == community_id)
            flags.append({"community_id": community_id, "name": name, "rate": rate, "label": label,
                          "value": next(r[rate] for r in rows if r["community_id"] == community_id),
                          "side": side})
    names = {c.id: c.name for c in communities}
    reds = db.session.execute(
        select(Request.no, Request.community_id, Request.resolve_deadline)
        .where(Request.community_id.in_(ids), red_clause(now))
        .order_by(Request.resolve_deadline)).all() if ids else []
    whistles = db.session.execute(
        select(Request.no, Request.community_id, Department.name, Whistle.deadline)
        .join(Request, Request.id == Whistle.request_id)
        .join(Department, Department.id == Whistle.department_id)
        .where(Request.community_id.in_(ids), Whistle.responded_at.is_(None),
               Whistle.deadline < now).order_by(Whistle.deadline)).all() if ids else []
    return {
        "street": {"id": street.id, "name": street.name},
        "week_start": start.astimezone(_zone()).date().isoformat(),
        "week_end": (end - timedelta(days=1)).astimezone(_zone()).date().isoformat(),
        "communities": rows, "outliers": flags,
        "red_lights": [{"no": no, "community": names[cid],
                        "deadline": _local(deadline) if deadline else None}
                       for no, cid, deadline in reds],
        "overdue_whistles": [{"no": no, "community": names[cid], "department": department,
                              "deadline": _local(deadline)}
                             for no, cid, department, deadline in whistles],
    }


def store(now: datetime) -> int:
    """Last week's pack for every active street that has none yet; its staff told."""
    start, end = last_week(now)
    done = set(db.session.scalars(select(MeetingPack.street_id).where(MeetingPack.week_start == start)))
    stored = 0
    for street in db.session.scalars(select(Street).where(Street.is_active.is_(True)).order_by(Street.id)):
        if street.id in done:
            continue
        data = build(street, start, end, now)
        pack = MeetingPack(street_id=street.id, week_start=start, data=data, created_at=now)
        db.session.add(pack)
        db.session.flush()
        staff = db.session.scalars(select(RoleGrant.user_id).where(
            RoleGrant.role == Role.STREET, RoleGrant.street_id == street.id)).all()
        notify(user_ids=staff, kind="meeting_pack",
               title=f"{street.name}每周会商材料（{data['week_start']}起）",
               body=f"红灯诉求{len(data['red_lights'])}件，超时吹哨{len(data['overdue_whistles'])}件，"
                    f"偏离均值的指标{len(data['outliers'])}项，请查看会商材料",
               now=now, data={"meeting_pack_id": pack.id, "street_id": street.id})
        stored += 1
    db.session.commit()
    return stored


# --- reading ---------------------------------------------------------------------------------


def _readable_streets(user: User) -> list[int] | None:
    roles = set(user.roles)
    if Role.ADMIN in roles or Role.COUNTY in roles:
        return None
    mine = street_ids_of(user)
    if not mine:
        raise Forbidden("只有街道、县城乡治理服务中心或平台管理员可以查看会商材料")
    return mine


def packs(*, user: User, street_id: int | None) -> list[MeetingPack]:
    streets = _readable_streets(user)
    if street_id is not None and streets is not None and street_id not in streets:
        raise Forbidden("只能查看本街道的会商材料")
    query = select(MeetingPack)
    if street_id is not None:
        query = query.where(MeetingPack.street_id == street_id)
    elif streets is not None:
        query = query.where(MeetingPack.street_id.in_(streets))
    return list(db.session.scalars(query.order_by(MeetingPack.week_start.desc(),
                                                  MeetingPack.street_id).limit(104)))


def pack(*, user: User, pack_id: int) -> MeetingPack:
    streets = _readable_streets(user)
    found = db.session.get(MeetingPack, pack_id)
    if found is None or (streets is not None and found.street_id not in streets):
        raise NotFound("会商材料不存在")
    return found


def to_xlsx(data: dict) -> bytes:
    columns = [("name", "社区"), ("total", "诉求数"), *RATES.items(), ("closed", "办结数"),
               ("open_overdue", "超期未办结数")]
    sides = {"low": "偏低", "high": "偏高"}
    return xlsx_bytes([
        ("各社区指标", [[f"{data['street']['name']}每周会商：{data['week_start']} 至 {data['week_end']}"],
                   [title for _key, title in columns],
                   *([row.get(key) for key, _title in columns] for row in data["communities"])]),
        ("偏离均值", [["社区", "指标", "数值", "偏离"],
                  *([f["name"], f["label"], f["value"], sides[f["side"]]] for f in data["outliers"])]),
        ("红灯诉求", [["编号", "社区", "办理时限"],
                  *([r["no"], r["community"], r["deadline"]] for r in data["red_lights"])]),
        ("超时吹哨", [["编号", "社区", "部门", "反馈时限"],
                  *([w["no"], w["community"], w["department"], w["deadline"]]
                    for w in data["overdue_whistles"])]),
    ])
