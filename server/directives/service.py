"""Listing a task from above (任务列单), naming who answers for it (责任上单), and reading them.

- The county (or the admin) lists a task for any communities, a street for its own, a committee
  for its own community. Each target community's committee is told.
- The committee of a target community names a team or a member of its own. That creates the
  request that carries the work: channel ``task``, no resident, in the team's place, dispatched
  to that team with the task's deadline as its resolve deadline (the category's accept time
  still applies); a named member has it assigned to them at once (the one state machine's
  ``assign``). From there it is a request like any other: lights, escalation, timeline,
  notifications, 包保 notices when it goes red. Naming twice is refused (one conditional
  update decides a race).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from server.accounts.enums import Role
from server.accounts.models import User
from server.accounts.service import committee_communities, committee_members, street_ids_of
from server.audit.service import audit
from server.catalogue.models import Category
from server.directives.models import Directive, DirectiveTarget
from server.errors import Code, Conflict, Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid import queries as grid
from server.grid.enums import Post
from server.grid.models import Community, Section, Team
from server.notifications.service import notify
from server.requests import service as requests
from server.requests.dispatch import yellow_share
from server.requests.enums import STATUS_LABELS, TASK, Action, Hop, Status
from server.requests.lights import light_for, yellow_at
from server.requests.models import Request

MAX_TARGETS = 200


def _level(user: User, community_ids: list[int]) -> tuple[str, int | None]:
    """Who lists the task, and whether the communities are theirs to task."""
    roles = set(user.roles)
    if Role.ADMIN in roles or Role.COUNTY in roles:
        return "county", None
    streets = street_ids_of(user)
    if streets:
        outside = db.session.scalars(select(Community.id).where(
            Community.id.in_(community_ids),
            or_(Community.street_id.is_(None), Community.street_id.not_in(streets)))).all()
        if outside:
            raise Forbidden("只能向本街道的社区下达任务")
        return "street", streets[0]
    mine = committee_communities(user)
    if mine:
        if not set(community_ids) <= set(mine):
            raise Forbidden("社区两委只能向本社区下达任务")
        return "committee", None
    raise Forbidden("只有县城乡治理服务中心、街道或社区两委可以下达任务")


def create(*, user: User, title: str, description: str, category_code: str, deadline: datetime,
           community_ids: list[int], is_public: bool, now: datetime) -> Directive:
    community_ids = sorted(set(community_ids))
    level, street_id = _level(user, community_ids)
    category = db.session.scalar(select(Category).where(
        Category.code == category_code, Category.is_active.is_(True)))
    if category is None:
        raise Invalid("未知的诉求类别", errors={"category_code": ["unknown category"]})
    if deadline <= now:
        raise Invalid("完成时限须晚于现在", errors={"deadline": ["not in the future"]})
    found = set(db.session.scalars(select(Community.id).where(
        Community.id.in_(community_ids), Community.is_active.is_(True))))
    if found != set(community_ids):
        raise Invalid("社区不存在或已停用",
                      errors={"community_ids": [f"unknown: {sorted(set(community_ids) - found)}"]})
    directive = Directive(title=title, description=description, category_id=category.id,
                          deadline=deadline, level=level, street_id=street_id, is_public=is_public,
                          created_by_id=user.id, created_at=now,
                          targets=[DirectiveTarget(community_id=c) for c in community_ids])
    db.session.add(directive)
    db.session.flush()
    committees = committee_members(community_ids)
    notify(user_ids=[uid for members in committees.values() for uid in members],
           kind="directive_listed",
           title=f"新任务：{title}"[:64], body=f"{title}，请指定责任服务队或党员（责任上单）",
           now=now, data={"directive_id": directive.id})
    audit(actor=user, action="directive.create", subject="directive", subject_id=directive.id,
          now=now, data={"level": level, "communities": community_ids})
    db.session.commit()
    return directive


def _place_of(team: Team) -> Section | None:
    """Where a team's task is placed: its section (B post), or the first active section of its
    grid (A post)."""
    if team.post == Post.B:
        return db.session.get(Section, team.section_id)
    return db.session.scalar(select(Section).where(
        Section.grid_id == team.grid_id, Section.is_active.is_(True)).order_by(Section.id).limit(1))


def designate(*, user: User, directive_id: int, community_id: int, team_id: int | None,
              member_id: int | None, now: datetime) -> DirectiveTarget:
    """The community's committee names who answers for the task: a team, or a member."""
    if (team_id is None) == (member_id is None):
        raise Invalid("请指定一个服务队或一名党员", errors={"team_id": ["give team_id or member_id"]})
    target = db.session.scalar(select(DirectiveTarget).where(
        DirectiveTarget.directive_id == directive_id, DirectiveTarget.community_id == community_id))
    if target is None or not _may_read(user, target.directive):
        raise NotFound("任务不存在")
    if community_id not in committee_communities(user):
        raise Forbidden("只有该社区两委可以指定责任人")
    directive = target.directive
    if target.designated_at is not None:
        raise Conflict("该社区已为此任务指定责任人", code=Code.DIRECTIVE_DESIGNATED)
    if member_id is not None:
        team = grid.active_member_team(member_id, community_id)
        if team is None:
            raise Invalid("该党员不在本社区的服务队中", errors={"member_id": ["not a member here"]})
    else:
        team = db.session.get(Team, team_id)
        if team is None or team.community_id != community_id or not team.is_active:
            raise Invalid("服务队不存在或不属于本社区", errors={"team_id": ["not a team here"]})
    section = _place_of(team)
    if section is None:
        raise Invalid("该服务队没有可用的片区", errors={"team_id": ["the team has no place"]})
    category = db.session.get(Category, directive.category_id)
    deadline = max(directive.deadline, now + timedelta(minutes=1))
    stop = {"hop": Hop(team.post).value, "team_id": team.id,
            "accept_deadline": now + timedelta(minutes=category.accept_minutes),
            "resolve_deadline": deadline,
            "yellow_at": yellow_at(submitted_at=now, resolve_deadline=deadline,
                                   yellow_share=yellow_share())}
    # The request first (its text is screened before anything is written), then the claim: a
    # second naming finds the target taken and undoes its own request with its transaction.
    request = requests.submit(
        resident=None, author=user, category_code=category.code, section_id=section.id,
        description=f"【任务】{directive.title}：{directive.description}", public=directive.is_public,
        now=now, channel=TASK, commit=False, stop=stop, announce=member_id is None)
    claimed = db.session.execute(
        update(DirectiveTarget)
        .where(DirectiveTarget.id == target.id, DirectiveTarget.designated_at.is_(None))
        .values(designated_at=now, designated_by_id=user.id, team_id=team.id, member_id=member_id,
                request_id=request.id)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise Conflict("该社区已为此任务指定责任人", code=Code.DIRECTIVE_DESIGNATED)
    audit(actor=user, action="directive.designate", subject="directive", subject_id=directive.id,
          community_id=community_id, now=now,
          data={"team_id": team.id, "member_id": member_id, "request_id": request.id})
    if member_id is not None:  # the named member holds it at once; act() commits
        requests.act(request_id=request.id, action=Action.ASSIGN, actor=user, now=now,
                     member_id=member_id)
    else:
        db.session.commit()
    db.session.expire(target)
    return db.session.get(DirectiveTarget, target.id)


# --- reading ---------------------------------------------------------------------------------


def _may_read(user: User, directive: Directive) -> bool:
    roles = set(user.roles)
    if Role.ADMIN in roles or Role.COUNTY in roles or directive.created_by_id == user.id:
        return True
    targets = {t.community_id for t in directive.targets}
    if targets.intersection(committee_communities(user)):
        return True
    streets = street_ids_of(user)
    return bool(streets) and bool(db.session.scalar(select(Community.id).where(
        Community.id.in_(targets), Community.street_id.in_(streets)).limit(1)))


def listing(*, user: User) -> list[Directive]:
    roles = set(user.roles)
    query = select(Directive).order_by(Directive.id.desc()).limit(200)
    if not (Role.ADMIN in roles or Role.COUNTY in roles):
        communities = set(committee_communities(user))
        streets = street_ids_of(user)
        if streets:
            communities |= set(db.session.scalars(
                select(Community.id).where(Community.street_id.in_(streets))))
        if not communities:
            raise Forbidden("只有县城乡治理服务中心、街道或社区两委可以查看任务")
        query = query.where(or_(
            Directive.created_by_id == user.id,
            Directive.id.in_(select(DirectiveTarget.directive_id)
                             .where(DirectiveTarget.community_id.in_(communities)))))
    return list(db.session.scalars(query))


def get(*, user: User, directive_id: int) -> Directive:
    directive = db.session.get(Directive, directive_id)
    if directive is None or not _may_read(user, directive):
        raise NotFound("任务不存在")
    return directive


def view(directive: Directive, now: datetime) -> dict:
    """A task with each target's owner and the state of its work (for staff)."""
    communities = dict(db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_([t.community_id for t in directive.targets]))).all())
    teams = dict(db.session.execute(select(Team.id, Team.name).where(
        Team.id.in_([t.team_id for t in directive.targets if t.team_id]))).all())
    members = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_([t.member_id for t in directive.targets if t.member_id]))).all())
    work = {r.id: r for r in db.session.scalars(select(Request).where(
        Request.id.in_([t.request_id for t in directive.targets if t.request_id])))}
    targets = []
    for target in directive.targets:
        request = work.get(target.request_id)
        light = light_for(request, now) if request is not None else None
        targets.append({
            "community_id": target.community_id, "community": communities.get(target.community_id),
            "team_id": target.team_id, "team": teams.get(target.team_id),
            "member_id": target.member_id, "member": members.get(target.member_id),
            "designated_at": target.designated_at,
            "request_id": target.request_id, "request_no": request.no if request else None,
            "status": request.status if request else None,
            "status_label": STATUS_LABELS[Status(request.status)] if request else "待指定责任人",
            "light": light.value if light else None,
        })
    return {"id": directive.id, "title": directive.title, "description": directive.description,
            "category_id": directive.category_id, "deadline": directive.deadline,
            "level": directive.level, "street_id": directive.street_id,
            "is_public": directive.is_public, "created_at": directive.created_at,
            "targets": targets}
