"""Reads behind the Open311 face, scoped to a jurisdiction (all, or one community)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from server.catalogue.models import Category
from server.errors import NotFound
from server.extensions import db
from server.grid.models import Community, Grid, Section, Team
from server.open311.models import Submission
from server.open311.present import UPDATE_STATUS
from server.requests.enums import OPEN_STATUSES
from server.requests.models import Event, Request, from_residents
from server.requests.nearby import near_clause


def jurisdiction(jurisdiction_id: str | None) -> Community | None:
    """None for the whole platform (absent, empty, or ``OPEN311_JURISDICTION_ID``); a
    community for its code; 404 otherwise."""
    if jurisdiction_id in (None, "", current_app.config["OPEN311_JURISDICTION_ID"]):
        return None
    community = db.session.scalar(select(Community).where(
        Community.code == jurisdiction_id, Community.is_active.is_(True)))
    if community is None:
        raise NotFound("jurisdiction_id 不存在")
    return community


def services() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.is_active.is_(True)).order_by(Category.sort, Category.id)))


def service(code: str) -> Category:
    category = db.session.scalar(select(Category).where(
        Category.code == code, Category.is_active.is_(True)))
    if category is None:
        raise NotFound("service_code 不存在")
    return category


def _active_sections(community: Community | None):
    query = (select(Section).join(Grid).join(Community)
             .where(Section.is_active.is_(True), Grid.is_active.is_(True),
                    Community.is_active.is_(True)))
    if community is not None:
        query = query.where(Grid.community_id == community.id)
    return query


def active_sections(community: Community | None) -> list[Section]:
    return list(db.session.scalars(_active_sections(community).order_by(
        Community.id, Grid.id, Section.id)))


def active_section(section_id: int, community: Community | None) -> Section | None:
    return db.session.scalar(_active_sections(community).where(Section.id == section_id))


def _scoped(community: Community | None):
    query = select(Request).where(from_residents())  # members' patrol reports are not public
    if community is not None:
        query = query.where(Request.community_id == community.id)
    return query


def requests(*, community: Community | None, ids: list[str] | None, codes: list[str] | None,
             start: datetime, end: datetime, statuses: set[str] | None, page: int,
             page_size: int, near: tuple[float, float, float] | None = None) -> list[Request]:
    """GET requests: ``ids`` override the other filters; newest first. ``near`` is
    (lat, long, radius in metres): requests whose cell lies within the radius."""
    query = _scoped(community)
    if ids is not None:
        query = query.where(Request.no.in_(ids))
    else:
        query = query.where(Request.submitted_at >= start, Request.submitted_at <= end)
        if near is not None:
            query = query.where(near_clause(*near))
        if codes is not None:
            query = query.join(Category, Category.id == Request.category_id).where(
                Category.code.in_(codes))
        if statuses == {"open"}:
            query = query.where(Request.status.in_(list(OPEN_STATUSES)))
        elif statuses == {"closed"}:
            query = query.where(Request.status.not_in(list(OPEN_STATUSES)))
    query = query.order_by(Request.submitted_at.desc(), Request.id.desc())
    return list(db.session.scalars(query.offset((page - 1) * page_size).limit(page_size)))


def request_by_no(no: str, community: Community | None) -> Request:
    request = db.session.scalar(_scoped(community).where(Request.no == no))
    if request is None:
        raise NotFound("service_request_id 不存在")
    return request


def by_token(token: str, community: Community | None) -> Submission:
    query = select(Submission).join(Request).where(Submission.token == token)
    if community is not None:
        query = query.where(Request.community_id == community.id)
    submission = db.session.scalar(query)
    if submission is None:
        raise NotFound("token 不存在")
    return submission


def updates(*, community: Community | None, start: datetime, end: datetime, page: int,
            page_size: int) -> list[tuple[Event, Request]]:
    """Published timeline steps in the window, oldest first; ratings and internal steps
    (report-back, moderation) are not published."""
    query = (select(Event, Request).join(Request, Request.id == Event.request_id)
             .where(Event.created_at >= start, Event.created_at <= end, from_residents(),
                    Event.action.in_([a.value for a in UPDATE_STATUS])))
    if community is not None:
        query = query.where(Request.community_id == community.id)
    query = query.order_by(Event.id).offset((page - 1) * page_size).limit(page_size)
    return [(event, request) for event, request in db.session.execute(query)]


def places(requests_: list[Request]) -> tuple[dict[int, Section], dict[int, Team]]:
    """The sections and teams of a page of requests, in two queries."""
    section_ids = {r.section_id for r in requests_}
    team_ids = {r.team_id for r in requests_ if r.team_id is not None}
    sections = {s.id: s for s in db.session.scalars(
        select(Section).where(Section.id.in_(section_ids)))} if section_ids else {}
    teams = {t.id: t for t in db.session.scalars(
        select(Team).where(Team.id.in_(team_ids)))} if team_ids else {}
    return sections, teams
