"""Use cases of a request's life. Each takes an explicit actor and ``now`` and commits once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from server.accounts import service as accounts
from server.accounts.models import User
from server.catalogue.models import Category
from server.duty import service as duty
from server.errors import Code, Conflict, Invalid, NotFound
from server.extensions import db, lock_rows
from server.grid import queries as grid
from server.grid.models import Community, Grid, Section
from server.place import service as place
from server.requests import content as security
from server.requests import details, dispatch, notices, reads, whistle, workflow
from server.requests.enums import OPEN_STATUSES, Action, Hop, Relation, Satisfaction, Status
from server.requests.models import Photo, Rating, Request, RequestCounter


def relations(request: Request, user: User) -> set[Relation]:
    """How ``user`` stands to ``request``; empty means they may not even see it.

    Roles come from the user's grants (``accounts.grants_by_role``: read with the user by the
    token check, as fresh as a query of each); the team and the street are read only when the
    user could stand there."""
    found: set[Relation] = set()
    if request.resident_id == user.id:
        found.add(Relation.OWNER)
    # A handler stands as one only while they serve in the community: removed from its teams,
    # they read nothing of the request any more (what they held went to the committee).
    if request.handler_id == user.id and grid.active_member_team(user.id, request.community_id):
        found.add(Relation.HANDLER)
    teams = grid.team_ids_of(user.id)
    if teams and dispatch.eligible_team_ids(request) & teams:
        found.add(Relation.TEAM)
    if accounts.is_committee_of(user, request.community_id):
        found.add(Relation.COMMITTEE)
    if accounts.is_county(user):
        found.add(Relation.COUNTY)
    elif accounts.supervises_community(user, request.community_id):
        found.add(Relation.STREET)
    return found


# A request acted on: its collections (timeline, photos, ratings, whistles) are loaded only if
# touched, here and each time the request is refreshed after a transition (the default loads all
# four with the request, again after every change).
_LAZY_COLLECTIONS = [lazyload(Request.events), lazyload(Request.photos),
                     lazyload(Request.ratings), lazyload(Request.whistles)]


def get_visible(request_id: int, user: User) -> tuple[Request, set[Relation]]:
    """The request and the caller's standing, or 404 when they may not see it."""
    return _standing(db.session.get(Request, request_id, options=_LAZY_COLLECTIONS), user)


def _standing(request, user: User):
    found = relations(request, user) if request is not None else set()
    if not found:
        raise NotFound("诉求不存在")
    return request, found


def read(*, request_id: int, viewer: User, now: datetime):
    """One request for its owner, team, handler or committee, read as rows (``details``); a
    staff read of its exact place or photos is recorded."""
    request, standing = _standing(details.view(request_id), viewer)
    if reads.record_detail_read(request, viewer=viewer, standing=standing, now=now):
        db.session.commit()
    return request


def answer(request: Request):
    """What the answer to a write shows of ``request``, read as rows (``details.view``) in the
    writer's transaction or after its commit, instead of reloading the ORM object and the four
    collections that the commit expired."""
    db.session.flush()
    (request_id,) = inspect(request).identity  # request.id would reload the expired object
    return details.view(request_id)


def _next_number(community: Community, now: datetime) -> str:
    """``<community code>-<local date>-<sequence>``; the counter row is bumped atomically.

    On PostgreSQL in a transaction of its own: the row is every submission's in that community
    that day, and bumped inside the submission's transaction its lock was held until that
    commit, through the dispatch, the notices and the rest (on the city bench, 5 or 6 of 8
    sessions at a time waited on it). Now it is held for one statement and its commit. A
    submission that fails after taking its number leaves that number unused, as a sequence
    does; no number is ever given twice. SQLite has one writer at a time: a second connection
    would wait for the first's write lock, so the bump stays in the caller's transaction."""
    day = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    postgresql = db.engine.dialect.name == "postgresql"
    insert = pg_insert if postgresql else sqlite_insert
    statement = (
        insert(RequestCounter)
        .values(community_id=community.id, day=day, value=1)
        .on_conflict_do_update(
            index_elements=["community_id", "day"], set_={"value": RequestCounter.value + 1}
        )
        .returning(RequestCounter.value)
    )
    if postgresql:
        with db.engine.begin() as connection:
            value = connection.execute(statement).scalar_one()
    else:
        value = db.session.execute(statement).scalar_one()
    return f"{community.code}-{day}-{value:04d}"


def _claim_photos(photo_ids: list[int] | None, *, owner: User, request_id: int,
                  event_id: int | None = None) -> None:
    """Attach the caller's own, unattached uploads; anything else is a 422."""
    if not photo_ids:
        return
    ids = sorted(set(photo_ids))
    result = db.session.execute(
        update(Photo)
        .where(Photo.id.in_(ids), Photo.owner_id == owner.id, Photo.request_id.is_(None))
        .values(request_id=request_id, event_id=event_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):
        raise Invalid("图片无效或已被使用", errors={"photo_ids": ["unknown or already used photo"]})


def submit(*, resident: User, category_code: str, description: str, section_id: int | None = None,
           address: str | None = None, lat: float | None = None, lng: float | None = None,
           coord_system: str = "wgs84", photo_ids: list[int] | None = None, public: bool = False,
           now: datetime, channel: str = "miniprogram", commit: bool = True,
           reporter: User | None = None, announce: bool = True, stop: dict | None = None,
           author: User | None = None) -> Request:
    """A new request, dispatched to its first hop, with its first timeline event. Its section
    is the one named or the one holding its point (server.place.service.resolve).

    With ``reporter`` (and no resident) it is a member's patrol report (巡查上报, channel
    ``patrol``): dispatched to the reporter's own team in the place's community. Without
    ``announce`` the team is not told of it (the reporter takes it at once). With ``stop`` (the
    dispatch columns: hop, team, deadlines) the caller decides where it goes: a top-down task
    (``server.directives``) goes to the team its committee named; ``author`` is who gave it."""
    category = db.session.scalar(
        select(Category).where(Category.code == category_code, Category.is_active.is_(True))
    )
    if category is None:
        raise Invalid("未知的诉求类别", errors={"category_code": ["unknown category"]})
    placed = place.resolve(section_id=section_id, lat=lat, lng=lng, coord_system=coord_system)
    section = db.session.get(Section, placed.section_id, options=[
        joinedload(Section.grid).joinedload(Grid.community)])
    if (section is None or not section.is_active or not section.grid.is_active
            or not section.grid.community.is_active):
        raise Invalid("所选片区不存在或已停用", errors={"section_id": ["unknown section"]})
    community = section.grid.community
    if resident is not None:
        _check_open_cap(resident)  # early and cheap: a clear answer before WeChat is asked
    if stop is not None:
        hop = stop
    elif reporter is not None:
        try:
            hop = dispatch.patrol_stop(reporter_id=reporter.id, category=category,
                                       section=section, now=now)
        except LookupError:
            raise Invalid("该地点不在您所在服务队的社区内",
                          errors={"section_id": ["not in a community you serve"]}) from None
    else:
        hop = dispatch.first_hop(category=category, section=section, now=now)
    author = resident or reporter or author
    # Content security before the first write: risky text is refused (422).
    screen = security.screen_text(author=author, text=description, now=now)
    if resident is not None and current_app.config["MAX_OPEN_REQUESTS"]:
        # Again behind the resident's row lock: submissions at once cannot all pass the cap.
        lock_rows(User, User.id == resident.id)
        _check_open_cap(resident)
    request = Request(
        no=_next_number(community, now),
        community_id=community.id,
        grid_id=section.grid_id,
        section_id=section.id,
        category_id=category.id,
        resident_id=resident.id if resident else None,
        channel=channel,
        description=description,
        address=address,
        public=public,
        status=Status.DISPATCHED,
        submitted_at=now,
        updated_at=now,
        # its only text is the description: its moderation is that verdict's
        moderation=security.moderation_of([screen.verdict]),
        **hop,
        **placed.columns,
    )
    db.session.add(request)
    db.session.flush()
    data = {"hop": request.hop, "team_id": request.team_id}
    if request.place_mismatch_m is not None:
        data["place_mismatch_m"] = request.place_mismatch_m  # on the committee's desk
    if reporter is not None or stop is not None:
        data["channel"] = channel
    relation = Relation.TEAM if reporter is not None else (
        Relation.COMMITTEE if stop is not None else Relation.OWNER)
    event = workflow.record(request, Action.SUBMIT, actor_id=author.id if author else None,
                            relation=relation,
                            now=now, from_status=None, data=data)
    if author is not None:
        _claim_photos(photo_ids, owner=author, request_id=request.id, event_id=event.id)
    if announce:
        notices.new_task(request, now=now)
    # The description's verdict is kept without an event (an event's text is its note).
    security.record_text(screen=screen, request_id=request.id, author=author, now=now,
                         refresh=False)
    if photo_ids:
        security.queue_photos(request_id=request.id, now=now)
    if commit:
        db.session.commit()
    return request


def _check_open_cap(resident: User) -> None:
    """A resident may have only so many requests open at once (``MAX_OPEN_REQUESTS``): one
    account cannot flood its community's teams."""
    cap = current_app.config["MAX_OPEN_REQUESTS"]
    if not cap:
        return
    open_now = db.session.scalar(select(func.count()).select_from(Request).where(
        Request.resident_id == resident.id, Request.status.in_(OPEN_STATUSES)))
    if open_now >= cap:
        raise Conflict(f"您已有{open_now}件诉求正在办理，请等办结或撤回后再提交新的诉求",
                       code=Code.TOO_MANY_OPEN_REQUESTS)


def act(*, request_id: int, action: Action, actor: User, now: datetime, note: str | None = None,
        photo_ids: list[int] | None = None, member_id: int | None = None,
        department: str | None = None, resolved: bool | None = None,
        satisfaction: str | None = None) -> Request:
    """Perform one action of the contract's Requests section (docs/contract.md) on behalf of ``actor``."""
    request, standing = get_visible(request_id, actor)
    _rule, relation = workflow.decide(request, action, standing)
    screen = security.screen_text(author=actor, text=note, now=now)  # before any write
    changes: dict = {}
    data: dict | None = None
    to = None
    whistle_to = None
    if action == Action.ACCEPT:
        changes["handler_id"] = actor.id
        # 顶岗: a member of a team the request passed may take it; the request stays with its
        # current team (so the others still see it, taken) and the event names the helper's.
        mine = dispatch.eligible_team_ids(request) & grid.team_ids_of(actor.id)
        if request.team_id not in mine and mine:
            data = {"helping_team_id": min(mine)}
    elif action == Action.RETURN:
        changes["resolved_at"] = None
    elif action == Action.ASSIGN:
        team = grid.active_member_team(member_id, request.community_id)
        if team is None:
            raise Invalid("该成员不在本社区的服务队中", errors={"member_id": ["not a member here"]})
        changes.update(handler_id=member_id, team_id=team.id, resolved_at=None)
        changes["accepted_at"] = request.accepted_at or now
        data = {"member_id": member_id, "team_id": team.id}
    elif action == Action.ESCALATE:
        whistle_to = duty.find_department(department)
        data = whistle.whistle_data(whistle_to, now)
    elif action == Action.INSTRUCT:
        data = {"hop": request.hop}
        if request.status == Status.DISPATCHED and request.hop == Hop.STREET:
            stop = dispatch.committee_stop(category=request.category, at=now)
            changes.update(stop.columns())
            data = {"from_hop": Hop.STREET.value, "to_hop": Hop.COMMITTEE.value}
    elif action == Action.RESOLVE and request.status == Status.REFERRED:
        whistle.close_whistle(request_id=request.id, response=note, now=now)
    elif action == Action.RATE:
        return _rate(request, actor=actor, relation=relation, now=now, resolved=resolved,
                     satisfaction=satisfaction, comment=note, screen=screen)
    elif action == Action.REOPEN:
        _check_reopen(request, now)
        count = request.reopen_count + 1
        cap = current_app.config["REOPEN_MAX"]
        to_committee = bool(cap) and count > cap  # reopened too often: the committee decides
        to = Status.IN_PROGRESS if request.handler_id and not to_committee else Status.DISPATCHED
        changes.update(
            reopen_count=count, closed_at=None, resolved_at=None,
            **dispatch.resolve_deadlines(category=request.category, start=now),
        )
        if to == Status.DISPATCHED:  # no handler to return to, or too many reopenings
            section = db.session.get(Section, request.section_id)
            stop = dispatch.reopen_stop(request=request, section=section, now=now,
                                        to_committee=to_committee)
            changes.update(stop.columns(), handler_id=None)
            data = {"hop": stop.hop.value, "team_id": changes["team_id"],
                    "reopen_cap": to_committee}
    event = workflow.apply(request, action, actor_id=actor.id, relation=relation, now=now,
                           note=note, data=data, to=to, changes=changes)
    _claim_photos(photo_ids, owner=actor, request_id=request.id, event_id=event.id)
    if whistle_to is not None:
        whistle.open_whistle(request_id=request.id, department=whistle_to, note=note,
                             actor=actor, now=now)
    notices.after_action(request, action, note=note, now=now)
    if action == Action.INSTRUCT:
        notices.instructed(request, note=note, by=relation, now=now)
    if to == Status.DISPATCHED:
        notices.new_task(request, now=now)
    _record_content(request.id, event.id, note, screen, actor, now, photos=bool(photo_ids))
    reads.record_detail_read(request, viewer=actor, standing=standing, now=now)  # answered whole
    db.session.commit()
    return request


def _record_content(request_id: int, event_id: int, note: str | None, screen, author: User,
                    now: datetime, *, photos: bool) -> None:
    """Keep the note's content-security verdict and queue checks of the new photos, if any."""
    if note:
        security.record_text(screen=screen, request_id=request_id, author=author, now=now,
                             event_id=event_id)
    if photos:
        security.queue_photos(request_id=request_id, now=now)


def _rate(request: Request, *, actor: User, relation: Relation, now: datetime,
          resolved: bool, satisfaction: str, comment: str | None, screen) -> Request:
    db.session.add(Rating(request_id=request.id, cycle=request.reopen_count, resolved=resolved,
                          satisfaction=satisfaction, comment=comment, created_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已评价过本次办理结果", code=Code.ALREADY_RATED) from None
    event = workflow.apply(request, Action.RATE, actor_id=actor.id, relation=relation, now=now,
                           note=comment, data={"resolved": resolved, "satisfaction": satisfaction})
    _record_content(request.id, event.id, comment, screen, actor, now, photos=False)
    db.session.commit()
    return request


def latest_rating(request: Request) -> Rating | None:
    return db.session.scalar(
        select(Rating).where(Rating.request_id == request.id).order_by(Rating.cycle.desc()).limit(1)
    )


def _check_reopen(request: Request, now: datetime) -> None:
    rating = db.session.scalar(
        select(Rating).where(Rating.request_id == request.id, Rating.cycle == request.reopen_count)
    )
    if rating is None or (rating.resolved and rating.satisfaction != Satisfaction.DISSATISFIED):
        raise Conflict("只有评价为未解决或不满意的诉求才能申请重办", code=Code.STATUS_FORBIDS)
    window = timedelta(days=current_app.config["REOPEN_WINDOW_DAYS"])
    if request.closed_at is None or now - request.closed_at > window:
        raise Conflict("已超过可申请重办的期限", code=Code.STATUS_FORBIDS)


def release_held(*, user_id: int, community_id: int, now: datetime) -> list[Request]:
    """A member left every team of the community: what they held there (accepted or in
    progress) goes back to the committee's desk through the state machine, the committee is
    told. Work already resolved awaits the committee's review anyway; whistled work is the
    department's."""
    if grid.active_member_team(user_id, community_id) is not None:
        return []  # still serving in another of the community's teams
    held = list(db.session.scalars(select(Request).where(
        Request.handler_id == user_id, Request.community_id == community_id,
        Request.status.in_((Status.ACCEPTED, Status.IN_PROGRESS))).order_by(Request.id)))
    for request in held:
        workflow.apply(request, Action.RELEASE, actor_id=None, relation=Relation.SYSTEM, now=now,
                       data={"member_id": user_id},
                       changes={**dispatch.committee_stop(category=request.category, at=now).columns(),
                                "handler_id": None, "accepted_at": None})
        notices.released(request, now=now)
    return held
