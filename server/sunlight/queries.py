"""Read side of the sunlight list: the filtered public list and the lookups a page needs.

Every page costs a fixed number of queries, whatever its size: grids, teams and handlers are
loaded once per page by id, never per row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Row, and_, cast, func, literal, not_, select
from sqlalchemy.orm import lazyload, selectinload

from server.accounts.models import User
from server.catalogue.models import Category
from server.duty.models import Department
from server.extensions import db
from server.grid.models import Community, Grid, Team
from server.http import keyset_page
from server.requests.enums import OPEN_STATUSES
from server.requests.lights import DEFAULT_YELLOW_SHARE, Light
from server.requests.models import Request, on_public_pages


def active_community(community_id: int) -> Community | None:
    return db.session.scalar(
        select(Community).where(Community.id == community_id, Community.is_active.is_(True))
        .options(lazyload(Community.grids)))


def _seconds(column):
    """Seconds since the epoch, on SQLite and PostgreSQL alike (for the yellow light)."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(column), Float) * 86400.0
    return func.extract("epoch", column)


def light_clause(light: str, now: datetime):
    """SQL for ``server.requests.lights.light_of`` (with its default yellow share)."""
    open_ = Request.status.in_(OPEN_STATUSES)
    if light == Light.RED:
        return and_(open_, Request.resolve_deadline < now)
    used = _seconds(literal(now, Request.submitted_at.type)) - _seconds(Request.submitted_at)
    allowed = _seconds(Request.resolve_deadline) - _seconds(Request.submitted_at)
    yellow = used >= allowed * DEFAULT_YELLOW_SHARE
    in_time = and_(open_, Request.resolve_deadline >= now)
    return and_(in_time, yellow) if light == Light.YELLOW else and_(in_time, not_(yellow))


def public_list(*, community_id: int, now: datetime, args: dict) -> dict:
    """The community's requests, newest first, filtered by grid, category, status and light."""
    query = (
        select(Request)
        .where(Request.community_id == community_id, on_public_pages())  # patrol: never
        .options(lazyload(Request.events), selectinload(Request.ratings), lazyload(Request.photos))
    )
    if args.get("grid_id"):
        query = query.where(Request.grid_id == args["grid_id"])
    if args.get("category"):
        query = query.join(Category, Category.id == Request.category_id).where(
            Category.code == args["category"])
    if args.get("status"):
        query = query.where(Request.status == args["status"])
    if args.get("light"):
        query = query.where(light_clause(args["light"], now))
    return keyset_page(query, Request.id, args)


def by_no(no: str) -> Request | None:
    request = db.session.scalar(
        select(Request).where(Request.no == no, on_public_pages())
        .options(selectinload(Request.events), selectinload(Request.photos),
                 selectinload(Request.ratings))
    )
    if request is None:
        return None
    # Not ``session.get``: that would load the community's grids and their sections too.
    return request if active_community(request.community_id) is not None else None


def grids_of(community_id: int) -> dict[int, Grid]:
    return {g.id: g for g in db.session.scalars(
        select(Grid).where(Grid.community_id == community_id).options(lazyload(Grid.sections)))}


def teams_of(community_id: int) -> dict[int, Team]:
    query = select(Team).where(Team.community_id == community_id)
    return {t.id: t for t in db.session.scalars(query)}


def users_by_id(ids) -> dict[int, Row]:
    """The names of ``ids`` as rows (``id``, ``name``, ``nickname``): all ``display_name`` reads.
    A city board names hundreds of members; as ORM users they cost about 40 ms a board."""
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(
        select(User.id, User.name, User.nickname).where(User.id.in_(ids)))}


def department_names(codes) -> dict[str, str]:
    """Department code → name, for the steps of a whistle (retired departments included)."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return dict(db.session.execute(select(Department.code, Department.name).where(Department.code.in_(codes))).all())


def active_categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.is_active.is_(True)).order_by(Category.sort)))
