"""Department assessment: the figures of each department over a window, rankings, quarterly
grades by streets, and the annual export.

Definitions (per department, over whistles blown in the window; a whistle belongs to the street
of its request's community):

- ``whistles``: whistles blown to the department.
- ``reported`` and ``median_report_minutes``: whistles it reported for (报到), and the median
  time from the whistle to the report.
- ``on_time_rate``: of the whistles that are due (deadline passed) or answered, the share
  answered by the deadline. A whistle still open past its deadline counts as late.
- ``accepted`` / ``returned``: the committee's review of the department's answer — the first
  approve or return on the request after the answer.
- ``satisfaction_rate``: of the whistled requests the resident rated (latest rating), the
  share satisfied or basically satisfied — the same rule as the community's 满意率.
- ``grades``: the quarterly grades streets gave it (in the window's quarters), and their mean
  score (the first configured grade scores the most).
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.accounts.enums import Role
from server.accounts.models import User
from server.accounts.service import street_ids_of
from server.assessment.models import DepartmentGrade
from server.audit.service import audit
from server.duty.models import Department
from server.errors import Code, Conflict, Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid.models import Community, Street
from server.requests.enums import Action, Satisfaction
from server.requests.models import Event, Rating, Request, Whistle
from server.sheets import csv_bytes, xlsx_bytes

_SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


# --- who may read and grade ----------------------------------------------------------------


def scope(user: User, street_id: int | None) -> list[int] | None:
    """The streets ``user`` may read: None means every street (county, admin)."""
    roles = set(user.roles)
    mine = street_ids_of(user)
    if street_id is not None and db.session.get(Street, street_id) is None:
        raise NotFound("街道不存在")
    if Role.ADMIN in roles or Role.COUNTY in roles:
        return None if street_id is None else [street_id]
    if not mine:
        raise Forbidden("只有街道、县城乡治理服务中心或平台管理员可以查看部门考核")
    if street_id is None:
        return mine
    if street_id not in mine:
        raise Forbidden("只能查看本街道的部门考核")
    return [street_id]


# --- calendar ------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=_zone())


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_days(quarter: str) -> tuple[date, date]:
    """The first and last local day of ``2026-Q4``."""
    year, number = int(quarter[:4]), int(quarter[-1])
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, after - timedelta(days=1)


def _quarters(start: date, end: date) -> list[str]:
    out, day = [], start
    while day <= end:
        out.append(quarter_of(day))
        day = quarter_days(out[-1])[1] + timedelta(days=1)
    return out


# --- figures -------------------------------------------------------------------------------


def figures(*, user: User, now: datetime, start: date | None, end: date | None,
            street_id: int | None) -> dict:
    """Every active department (and any other that received a whistle), ranked."""
    streets = scope(user, street_id)
    today = now.astimezone(_zone()).date()
    end = end or today
    start = start or date(end.year, 1, 1)
    if start > end:
        raise Invalid("开始日期不能晚于结束日期", errors={"start": ["after end"]})
    begin, finish = _start_of(start), _start_of(end + timedelta(days=1))
    query = (select(Whistle.id, Whistle.department_id, Whistle.request_id, Whistle.created_at,
                    Whistle.reported_at, Whistle.responded_at, Whistle.deadline)
             .join(Request, Request.id == Whistle.request_id)
             .join(Community, Community.id == Request.community_id)
             .where(Whistle.created_at >= begin, Whistle.created_at < finish))
    if streets is not None:
        query = query.where(Community.street_id.in_(streets))
    whistles = db.session.execute(query).all()
    reviews = _reviews(whistles)
    ratings = _latest_ratings({w.request_id for w in whistles})
    departments = {d.id: d for d in db.session.scalars(select(Department))}
    grades = _grades(streets, _quarters(start, end))
    items = []
    for department in departments.values():
        mine = [w for w in whistles if w.department_id == department.id]
        if not department.is_active and not mine:
            continue
        items.append(_item(department, mine, reviews, ratings, grades.get(department.id, []), now))
    items.sort(key=_rank_key)
    for rank, item in enumerate(items, 1):
        item["rank"] = rank
    return {"start": start.isoformat(), "end": end.isoformat(),
            "street_ids": streets, "grade_scale": list(current_app.config["DEPARTMENT_GRADES"]),
            "items": items}


def _reviews(whistles: list) -> dict[int, str]:
    """whistle id → "accepted" | "returned": the first review after the department's answer."""
    answered = {w.id: (w.request_id, w.responded_at) for w in whistles if w.responded_at}
    if not answered:
        return {}
    events = db.session.execute(
        select(Event.request_id, Event.action, Event.created_at)
        .where(Event.request_id.in_({rid for rid, _at in answered.values()}),
               Event.action.in_((Action.APPROVE, Action.RETURN)))
        .order_by(Event.request_id, Event.id)).all()
    out = {}
    for whistle_id, (request_id, responded_at) in answered.items():
        first = next((e for e in events if e.request_id == request_id
                      and e.created_at >= responded_at), None)
        if first is not None:
            out[whistle_id] = "accepted" if first.action == Action.APPROVE else "returned"
    return out


def _latest_ratings(request_ids: set[int]) -> dict[int, str]:
    if not request_ids:
        return {}
    latest = (select(Rating.request_id, func.max(Rating.cycle).label("cycle"))
              .where(Rating.request_id.in_(request_ids)).group_by(Rating.request_id).subquery())
    return dict(db.session.execute(
        select(Rating.request_id, Rating.satisfaction)
        .join(latest, (latest.c.request_id == Rating.request_id)
              & (latest.c.cycle == Rating.cycle))).all())


def _grades(streets: list[int] | None, quarters: list[str]) -> dict[int, list[DepartmentGrade]]:
    query = select(DepartmentGrade).where(DepartmentGrade.quarter.in_(quarters))
    if streets is not None:
        query = query.where(DepartmentGrade.street_id.in_(streets))
    out: dict[int, list[DepartmentGrade]] = {}
    for grade in db.session.scalars(query.order_by(DepartmentGrade.id)):
        out.setdefault(grade.department_id, []).append(grade)
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _item(department: Department, whistles: list, reviews: dict, ratings: dict,
          grades: list[DepartmentGrade], now: datetime) -> dict:
    report_minutes = [(w.reported_at - w.created_at).total_seconds() / 60
                      for w in whistles if w.reported_at]
    due = [w for w in whistles if w.responded_at or w.deadline <= now]
    on_time = [w for w in due if w.responded_at and w.responded_at <= w.deadline]
    verdicts = [reviews[w.id] for w in whistles if w.id in reviews]
    rated = [ratings[rid] for rid in {w.request_id for w in whistles} if rid in ratings]
    scale = list(current_app.config["DEPARTMENT_GRADES"])
    scores = [len(scale) - scale.index(g.grade) for g in grades if g.grade in scale]
    return {
        "department_id": department.id, "code": department.code, "name": department.name,
        "whistles": len(whistles), "reported": len(report_minutes),
        "median_report_minutes": round(statistics.median(report_minutes), 1)
        if report_minutes else None,
        "due": len(due), "on_time": len(on_time), "on_time_rate": _rate(len(on_time), len(due)),
        "open_overdue": sum(1 for w in whistles if not w.responded_at and w.deadline <= now),
        "accepted": verdicts.count("accepted"), "returned": verdicts.count("returned"),
        "rated": len(rated), "satisfied": sum(1 for s in rated if s in _SATISFIED),
        "satisfaction_rate": _rate(sum(1 for s in rated if s in _SATISFIED), len(rated)),
        "grades": [{"street_id": g.street_id, "quarter": g.quarter, "grade": g.grade,
                    "comment": g.comment} for g in grades],
        "grade_score": round(statistics.mean(scores), 2) if scores else None,
    }


def _rank_key(item: dict):
    """On-time rate first, then satisfaction, then the streets' grades; no figure ranks last."""
    def desc(value):
        return (value is None, -(value or 0))
    return (desc(item["on_time_rate"]), desc(item["satisfaction_rate"]), desc(item["grade_score"]),
            -item["whistles"], item["code"])


# --- quarterly grades ----------------------------------------------------------------------


def grade(*, user: User, department_id: int, quarter: str, grade: str, comment: str | None,
          street_id: int | None, now: datetime) -> DepartmentGrade:
    """A street grades a department it worked with in ``quarter`` (once; a started quarter)."""
    mine = street_ids_of(user)
    if not mine:
        raise Forbidden("只有街道工作人员可以评价部门")
    if street_id is None:
        if len(mine) > 1:
            raise Invalid("请指定街道", errors={"street_id": ["required: you serve several streets"]})
        street_id = mine[0]
    elif street_id not in mine:
        raise Forbidden("只能以本街道的名义评价部门")
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound("部门不存在")
    scale = list(current_app.config["DEPARTMENT_GRADES"])
    if grade not in scale:
        raise Invalid(f"评价等次只能是{'、'.join(scale)}", errors={"grade": [f"one of {scale}"]})
    first, last = quarter_days(quarter)
    if _start_of(first) > now:
        raise Invalid("不能评价尚未开始的季度", errors={"quarter": ["not started yet"]})
    worked = db.session.scalar(
        select(func.count()).select_from(Whistle)
        .join(Request, Request.id == Whistle.request_id)
        .join(Community, Community.id == Request.community_id)
        .where(Whistle.department_id == department_id, Community.street_id == street_id,
               Whistle.created_at >= _start_of(first),
               Whistle.created_at < _start_of(last + timedelta(days=1))))
    if not worked:
        raise Conflict("本季度本街道未向该部门吹哨，无需评价", code=Code.DEPARTMENT_NOT_WORKED_WITH)
    row = DepartmentGrade(street_id=street_id, department_id=department_id, quarter=quarter,
                          grade=grade, comment=comment, graded_by_id=user.id, graded_at=now)
    db.session.add(row)
    try:
        db.session.flush()  # the unique (street, department, quarter) decides a race
    except IntegrityError:
        db.session.rollback()
        raise Conflict("本街道本季度已评价该部门", code=Code.DEPARTMENT_GRADED) from None
    audit(actor=user, action="department.grade", subject="department", subject_id=department_id,
          now=now, data={"street_id": street_id, "quarter": quarter, "grade": grade})
    db.session.commit()
    return row


def grades(*, user: User, quarter: str | None, street_id: int | None) -> list[DepartmentGrade]:
    streets = scope(user, street_id)
    query = select(DepartmentGrade)
    if quarter is not None:
        query = query.where(DepartmentGrade.quarter == quarter)
    if streets is not None:
        query = query.where(DepartmentGrade.street_id.in_(streets))
    return list(db.session.scalars(query.order_by(DepartmentGrade.quarter.desc(),
                                                  DepartmentGrade.department_id,
                                                  DepartmentGrade.street_id)))


# --- the annual export ---------------------------------------------------------------------

COLUMNS = [
    ("rank", "排名"), ("code", "部门代码"), ("name", "部门"), ("whistles", "吹哨次数"),
    ("reported", "报到次数"), ("median_report_minutes", "报到用时中位数（分钟）"),
    ("due", "应办结数"), ("on_time", "按时办结数"), ("on_time_rate", "按时办结率"),
    ("open_overdue", "超期未办结数"), ("accepted", "社区认可数"), ("returned", "社区退回数"),
    ("rated", "评价数"), ("satisfied", "满意及基本满意数"), ("satisfaction_rate", "满意率"),
    ("grade_score", "街道评价平均分"), ("grades", "街道评价"),
]


def _rows(data: dict) -> list[list]:
    rows = [[f"统计区间：{data['start']} 至 {data['end']}"], [title for _k, title in COLUMNS]]
    for item in data["items"]:
        values = dict(item)
        values["grades"] = "；".join(f"{g['quarter']} {g['grade']}" for g in item["grades"])
        rows.append([values.get(key) for key, _title in COLUMNS])
    return rows


def to_csv(data: dict) -> bytes:
    return csv_bytes(_rows(data))


def to_xlsx(data: dict) -> bytes:
    return xlsx_bytes([("部门考核", _rows(data))])
