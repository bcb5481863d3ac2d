"""Read side: registrations to review, activities, a member's service record, and the rows
of the yearly report to work units."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from server.accounts import service as accounts
from server.accounts.models import User
from server.cards.enums import CardStatus, Colour, Level
from server.cards.models import Card
from server.errors import Forbidden, NotFound
from server.extensions import db
from server.http import keyset_page
from server.inservice import access, periods
from server.inservice.enums import GRADE_LABELS, Grade, RegistrationStatus, SignupStatus
from server.inservice.models import Activity, Evaluation, Registration, Signup
from server.inservice.service import require_committee
from server.requests.enums import Satisfaction, Status
from server.requests.models import Rating, Request

RS = RegistrationStatus
GOOD = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


def live_registrations(user_id: int) -> list[Registration]:
    """The user's pending and approved registrations: their in-service profiles."""
    return list(db.session.scalars(
        select(Registration).where(Registration.user_id == user_id, Registration.live.is_(True))
        .order_by(Registration.id)))


def registrations_to_review(user: User, status: str | None, community_id: int | None,
                            page: dict) -> dict:
    """Registrations of the communities ``user`` sits on the committee of."""
    require_committee(user)
    communities = set(accounts.committee_communities(user))
    if community_id is not None:
        communities &= {community_id}
    query = select(Registration).where(Registration.community_id.in_(communities))
    if status:
        query = query.where(Registration.status == status)
    return keyset_page(query, Registration.id, page)


def activities(user: User, community_id: int | None, page: dict) -> dict:
    visible = access.visible_communities(user)
    query = select(Activity)
    if visible is not None:
        query = query.where(Activity.community_id.in_(visible))
    if community_id is not None:
        query = query.where(Activity.community_id == community_id)
    return keyset_page(query, Activity.id, page)


def my_signup(activity: Activity, user: User) -> Signup | None:
    return db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                  Signup.user_id == user.id))


def signups(activity: Activity) -> list[dict]:
    """Who signed up, with the name they registered under (for the committee only)."""
    rows = db.session.execute(
        select(Signup, Registration.name, User.name)
        .join(User, User.id == Signup.user_id)
        .outerjoin(Registration, and_(Registration.user_id == Signup.user_id,
                                      Registration.community_id == activity.community_id,
                                      Registration.status == RS.APPROVED))
        .where(Signup.activity_id == activity.id)
        .order_by(Signup.id)
    ).all()
    return [{"user_id": s.user_id, "name": reg_name or user_name, "status": s.status,
             "attended": s.attended, "hours": s.hours, "signed_up_at": s.signed_up_at}
            for s, reg_name, user_name in rows]


# --- the service record ----------------------------------------------------------------------


def service_record(user: User, now: datetime, limit: int = 50) -> dict:
    """Everything ``GET /inservice/me`` shows; 404 for someone who never registered."""
    registrations = list(db.session.scalars(
        select(Registration).where(Registration.user_id == user.id)
        .order_by(Registration.id.desc())))
    if not registrations:
        raise NotFound("您还没有在职党员报到记录")
    year = periods.local(now).year
    start, end = periods.year_bounds(year)
    attended = select(Signup).join(Activity, Activity.id == Signup.activity_id).where(
        Signup.user_id == user.id, Signup.attended.is_(True))
    total = db.session.scalar(select(func.coalesce(func.sum(Signup.hours), 0.0)).where(
        Signup.user_id == user.id, Signup.attended.is_(True)))
    this_year = db.session.scalar(
        select(func.coalesce(func.sum(Signup.hours), 0.0))
        .join(Activity, Activity.id == Signup.activity_id)
        .where(Signup.user_id == user.id, Signup.attended.is_(True),
               Activity.starts_at >= start, Activity.starts_at < end))
    signed = db.session.scalars(
        select(Signup).join(Activity, Activity.id == Signup.activity_id)
        .where(Signup.user_id == user.id, Signup.status == SignupStatus.SIGNED_UP)
        .order_by(Activity.starts_at.desc()).limit(limit))
    handled = list(db.session.scalars(
        select(Request).where(Request.handler_id == user.id)
        .order_by(Request.id.desc()).limit(limit)))
    evaluations = db.session.scalars(
        select(Evaluation).where(Evaluation.registration_id.in_([r.id for r in registrations]))
        .order_by(Evaluation.year.desc()))
    return {
        "registrations": registrations,
        "year": year,
        "hours_total": float(total),
        "hours_this_year": float(this_year),
        "activities_attended": db.session.scalar(
            select(func.count()).select_from(attended.subquery())),
        "activities": [{"activity": s.activity, "status": s.status, "attended": s.attended,
                        "hours": s.hours} for s in signed],
        "requests": [{"id": r.id, "no": r.no, "status": r.status, "closed_at": r.closed_at,
                      "rating": r.ratings[-1] if r.ratings else None} for r in handled],
        "evaluations": list(evaluations),
    }


# --- the report to work units ---------------------------------------------------------------


def report_rows(user: User, *, year: int, work_unit: str | None) -> list[dict]:
    """One row per member who served in ``year`` in the caller's communities (all for an
    admin): the 反馈表 a work unit's party organisation receives."""
    if access.is_admin(user):
        scope = None
    else:
        scope = set(accounts.committee_communities(user))
        if not scope:
            raise Forbidden("只有社区两委或管理员可以导出报表")
    start, end = periods.year_bounds(year)
    query = (
        select(Registration)
        .where(Registration.status.in_([RS.APPROVED, RS.ENDED]),
               Registration.reviewed_at < end,
               or_(Registration.ended_at.is_(None), Registration.ended_at >= start))
        .order_by(Registration.work_unit, Registration.community_id, Registration.id)
    )
    if scope is not None:
        query = query.where(Registration.community_id.in_(scope))
    if work_unit:
        query = query.where(Registration.work_unit == work_unit)
    registrations = list(db.session.scalars(query))
    keys = {(r.user_id, r.community_id) for r in registrations}
    users = {u for u, _ in keys}
    hours, attended = _activity_totals(users, start, end)
    handled, rated, good = _request_totals(users, start, end)
    yellow, red = _card_totals(users, start, end)
    grades = {e.registration_id: e for e in db.session.scalars(select(Evaluation).where(
        Evaluation.year == year, Evaluation.registration_id.in_([r.id for r in registrations])))}
    rows = []
    for r in registrations:
        key = (r.user_id, r.community_id)
        evaluation = grades.get(r.id)
        rows.append({
            "year": year, "name": r.name, "work_unit": r.work_unit, "party_branch": r.party_branch,
            "community": r.community.name, "section": r.section.name,
            "status": r.status, "registered_at": r.reviewed_at,
            "hours": round(hours.get(key, 0.0), 1), "activities": attended.get(key, 0),
            "requests_handled": handled.get(key, 0), "requests_rated": rated.get(key, 0),
            "satisfaction_rate": round(good[key] / rated[key], 4) if rated.get(key) else None,
            "yellow_cards": yellow.get(key, 0), "red_cards": red.get(key, 0),
            "evaluation": GRADE_LABELS[Grade(evaluation.grade)] if evaluation else None,
            "evaluation_comment": evaluation.comment if evaluation else None,
        })
    return rows


def _card_totals(users: set[int], start: datetime, end: datetime):
    """The member's warning cards (亮牌) of the year in each community, those revoked on appeal
    left out: they feed the yearly evaluation."""
    yellow: dict = defaultdict(int)
    red: dict = defaultdict(int)
    if not users:
        return yellow, red
    for user_id, community_id, colour, n in db.session.execute(
        select(Card.holder_id, Card.community_id, Card.colour, func.count())
        .where(Card.level == Level.MEMBER, Card.holder_id.in_(users),
               Card.status != CardStatus.REVOKED, Card.issued_at >= start, Card.issued_at < end)
        .group_by(Card.holder_id, Card.community_id, Card.colour)):
        (yellow if colour == Colour.YELLOW else red)[(user_id, community_id)] += n
    return yellow, red


def _activity_totals(users: set[int], start: datetime, end: datetime):
    hours: dict = defaultdict(float)
    count: dict = defaultdict(int)
    if not users:
        return hours, count
    for user_id, community_id, total, n in db.session.execute(
        select(Signup.user_id, Activity.community_id, func.sum(Signup.hours), func.count())
        .join(Activity, Activity.id == Signup.activity_id)
        .where(Signup.user_id.in_(users), Signup.attended.is_(True),
               Activity.starts_at >= start, Activity.starts_at < end)
        .group_by(Signup.user_id, Activity.community_id)
    ):
        hours[(user_id, community_id)] = float(total or 0)
        count[(user_id, community_id)] = n
    return hours, count


def _request_totals(users: set[int], start: datetime, end: datetime):
    """Requests each member closed in the window, and the residents' latest ratings of them."""
    handled: dict = defaultdict(int)
    rated: dict = defaultdict(int)
    good: dict = defaultdict(int)
    if not users:
        return handled, rated, good
    latest = (select(Rating.request_id, func.max(Rating.cycle).label("cycle"))
              .group_by(Rating.request_id).subquery())
    rows = db.session.execute(
        select(Request.handler_id, Request.community_id, Rating.satisfaction)
        .outerjoin(latest, latest.c.request_id == Request.id)
        .outerjoin(Rating, and_(Rating.request_id == Request.id, Rating.cycle == latest.c.cycle))
        .where(Request.handler_id.in_(users), Request.status == Status.CLOSED,
               Request.closed_at >= start, Request.closed_at < end)
    )
    for handler_id, community_id, satisfaction in rows:
        key = (handler_id, community_id)
        handled[key] += 1
        if satisfaction is not None:
            rated[key] += 1
            good[key] += satisfaction in GOOD
    return handled, rated, good
