"""Use cases of the administration: places, teams, the catalogue and roles.

Every use case takes the acting user and ``now``, checks the actor's power fresh from the
database (a demoted admin loses it at once), writes an audit entry and commits once.
Retiring never deletes: ``is_active=False`` closes a place to new requests and keeps its past.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import RoleGrant, User
from server.admin.models import CommitteeSeat, Person
from server.audit.service import audit as audit  # every use case here writes one
from server.catalogue.models import Category
from server.duty.models import Department
from server.errors import Code, Conflict, Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Community, Grid, Section, Street, Team
from server.place import index as place_index
from server.requests import escalation
from server.requests.enums import DISPATCH_HOPS, Hop

# --- powers -----------------------------------------------------------------------------------


def is_admin(user: User) -> bool:
    return accounts.has_role(user, Role.ADMIN)


def require_admin(user: User) -> None:
    if not is_admin(user):
        raise Forbidden("仅平台管理员可执行此操作")


def require_manager_of(user: User, community_id: int) -> None:
    """An admin, or the committee of ``community_id``.

    A committee member of another community may not even see this one's roster (404);
    someone with neither power is refused outright (403).
    """
    if is_admin(user) or accounts.is_committee_of(user, community_id):
        return
    if accounts.has_role(user, Role.COMMITTEE):
        raise NotFound("社区不存在或不在您的管辖范围")
    raise Forbidden("仅平台管理员或本社区两委可执行此操作")


def commit_or_conflict(conflict_msg: str) -> None:
    """Commit the use case; a unique constraint lost to someone else is a 409."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(conflict_msg, code=Code.DUPLICATE) from None


def _update(row, changes: dict, *, actor: User, subject: str, community_id: int | None,
            now: datetime, conflict_msg: str):
    changed = {}
    for key, value in changes.items():
        if getattr(row, key) != value:
            changed[key] = value
            setattr(row, key, value)
    if changed:
        action = f"{subject}.update"
        if changed.get("is_active") is False:
            action = f"{subject}.retire"
        elif changed.get("is_active") is True:
            action = f"{subject}.restore"
        audit(actor=actor, action=action, subject=subject, subject_id=row.id,
              community_id=community_id, data=changed, now=now)
        if subject in ("community", "grid", "section"):
            with db.session.no_autoflush:  # a taken name must fail in commit_or_conflict
                place_index.bump(now)  # names and retirements are in every worker's index
        commit_or_conflict(conflict_msg)
    return row


def _get(model, row_id: int, msg: str):
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(msg)
    return row


# --- places and teams ---------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    return code.strip().upper()


def create_street(*, actor: User, code: str, name: str, now: datetime) -> Street:
    """A street or township (街道/乡镇) of the county."""
    require_admin(actor)
    code = normalize_code(code)
    taken = db.session.scalar(select(Street.id).where((Street.code == code) | (Street.name == name)))
    if taken is not None:
        raise Conflict("街道编码或名称已存在", code=Code.DUPLICATE, errors={"code": ["already exists"]})
    street = Street(code=code, name=name)
    db.session.add(street)
    db.session.flush()
    audit(actor=actor, action="street.create", subject="street", subject_id=street.id,
          data={"code": code, "name": name}, now=now)
    commit_or_conflict("街道编码或名称已存在")
    return street


def update_street(*, actor: User, street_id: int, changes: dict, now: datetime) -> Street:
    """Rename, retire or restore a street; its communities and their history stay."""
    require_admin(actor)
    street = _get(Street, street_id, "街道不存在")
    return _update(street, changes, actor=actor, subject="street", community_id=None, now=now,
                   conflict_msg="街道名称已存在")


def _active_street(street_id: int | None) -> int | None:
    """A street a community may be put under: it exists and is not retired (else 422)."""
    if street_id is None:
        return None
    street = db.session.get(Street, street_id)
    if street is None or not street.is_active:
        raise Invalid("街道不存在或已停用", errors={"street_id": ["unknown or retired street"]})
    return street.id


def create_community(*, actor: User, code: str, name: str, street_id: int | None = None,
                     now: datetime) -> Community:
    require_admin(actor)
    code = normalize_code(code)
    if db.session.scalar(select(Community.id).where(Community.code == code)) is not None:
        raise Conflict("社区编码已存在", code=Code.DUPLICATE, errors={"code": ["already exists"]})
    community = Community(code=code, name=name, street_id=_active_street(street_id))
    db.session.add(community)
    db.session.flush()
    audit(actor=actor, action="community.create", subject="community", subject_id=community.id,
          community_id=community.id, data={"code": code, "name": name, "street_id": street_id},
          now=now)
    commit_or_conflict("社区编码已存在")
    return community


def update_community(*, actor: User, community_id: int, changes: dict, now: datetime) -> Community:
    """Rename, move to another street, retire or restore a community."""
    require_admin(actor)
    community = _get(Community, community_id, "社区不存在")
    if changes.get("street_id") is not None and changes["street_id"] != community.street_id:
        _active_street(changes["street_id"])
    return _update(community, changes, actor=actor, subject="community",
                   community_id=community.id, now=now, conflict_msg="社区编码已存在")


def new_team(*, post: Post, community_id: int, grid: Grid | None = None,
              section: Section | None = None, name: str | None = None) -> Team:
    if post == Post.A:
        team = Team(community_id=community_id, post=post, grid_id=grid.id,
                    name=name or f"{grid.name}暖心服务团")
    else:
        team = Team(community_id=community_id, post=post, section_id=section.id,
                    name=name or f"{section.name}先锋服务队")
    db.session.add(team)
    db.session.flush()
    return team


def create_grid(*, actor: User, community_id: int, name: str, now: datetime) -> Grid:
    """A grid and its A-post team (暖心服务团)."""
    require_admin(actor)
    community = _get(Community, community_id, "社区不存在")
    if not community.is_active:
        raise Conflict("社区已停用，不能新增网格", code=Code.PARENT_RETIRED)
    if db.session.scalar(select(Grid.id).where(Grid.community_id == community.id,
                                               Grid.name == name)) is not None:
        raise Conflict("该社区已有同名网格", code=Code.DUPLICATE, errors={"name": ["already exists"]})
    grid = Grid(community_id=community.id, name=name)
    db.session.add(grid)
    db.session.flush()
    team = new_team(post=Post.A, community_id=community.id, grid=grid)
    audit(actor=actor, action="grid.create", subject="grid", subject_id=grid.id,
          community_id=community.id, data={"name": name, "team_id": team.id}, now=now)
    commit_or_conflict("该社区已有同名网格")
    return grid


def update_grid(*, actor: User, grid_id: int, changes: dict, now: datetime) -> Grid:
    require_admin(actor)
    grid = _get(Grid, grid_id, "网格不存在")
    return _update(grid, changes, actor=actor, subject="grid", community_id=grid.community_id,
                   now=now, conflict_msg="该社区已有同名网格")


def create_section(*, actor: User, grid_id: int, name: str, now: datetime) -> Section:
    """A closed section and its B-post team (先锋服务队)."""
    require_admin(actor)
    grid = _get(Grid, grid_id, "网格不存在")
    if not grid.is_active:
        raise Conflict("网格已停用，不能新增片区", code=Code.PARENT_RETIRED)
    if db.session.scalar(select(Section.id).where(Section.grid_id == grid.id,
                                                  Section.name == name)) is not None:
        raise Conflict("该网格已有同名片区", code=Code.DUPLICATE, errors={"name": ["already exists"]})
    section = Section(grid_id=grid.id, name=name)
    db.session.add(section)
    db.session.flush()
    team = new_team(post=Post.B, community_id=grid.community_id, section=section)
    audit(actor=actor, action="section.create", subject="section", subject_id=section.id,
          community_id=grid.community_id, data={"name": name, "team_id": team.id}, now=now)
    commit_or_conflict("该网格已有同名片区")
    return section


def update_section(*, actor: User, section_id: int, changes: dict, now: datetime) -> Section:
    """Rename, retire or restore a section, or move it to another grid of its community
    (``grid_id``, see ``move_section``)."""
    require_admin(actor)
    section = _get(Section, section_id, "片区不存在")
    changes = dict(changes)
    grid_id = changes.pop("grid_id", None)
    moved = grid_id is not None and grid_id != section.grid_id
    if moved:
        grid = db.session.get(Grid, grid_id)
        if grid is None or grid.community_id != section.grid.community_id:
            raise Invalid("只能移到本社区的网格", errors={"grid_id": ["not a grid of this community"]})
        move_section(section, grid, actor=actor, now=now)
    _update(section, changes, actor=actor, subject="section",
            community_id=section.grid.community_id, now=now,
            conflict_msg="该网格已有同名片区")
    if moved:
        commit_or_conflict("该网格已有同名片区")
    return section


def move_section(section: Section, grid: Grid, *, actor: User | None, now: datetime) -> list[str]:
    """Move a section to another (active) grid of its community; no commit. Its B-post team,
    people and history stay with it; from now on its A-post hop is the new grid's team
    (dispatch and escalation look the grid up), and its requests still waiting at the old
    grid's A team (not accepted) follow to the new one. Returns the numbers of those."""
    if not grid.is_active:
        raise Conflict("网格已停用，不能移入片区", code=Code.PARENT_RETIRED)
    if db.session.scalar(select(Section.id).where(Section.grid_id == grid.id,
                                                  Section.name == section.name)) is not None:
        raise Conflict("该网格已有同名片区", code=Code.DUPLICATE, errors={"grid_id": ["name taken"]})
    from_grid_id = section.grid_id
    section.grid_id = grid.id
    audit(actor=actor, action="section.update", subject="section", subject_id=section.id,
          community_id=grid.community_id, data={"grid_id": grid.id}, now=now)
    with db.session.no_autoflush:
        place_index.bump(now)
    db.session.flush()
    db.session.expire(section, ["grid"])
    return escalation.follow_moved_section(section, from_grid_id=from_grid_id, now=now)


def create_team(*, actor: User, grid_id: int | None = None, section_id: int | None = None,
                name: str | None = None, now: datetime) -> Team:
    """The A team of a grid or the B team of a section, when it is missing (one each)."""
    require_admin(actor)
    if (grid_id is None) == (section_id is None):
        raise Invalid("请指定网格（A岗）或片区（B岗）之一",
                      errors={"grid_id": ["give grid_id or section_id, not both"]})
    if grid_id is not None:
        grid = _get(Grid, grid_id, "网格不存在")
        exists = select(Team.id).where(Team.grid_id == grid.id)
        community_id, kwargs = grid.community_id, {"post": Post.A, "grid": grid}
    else:
        section = _get(Section, section_id, "片区不存在")
        exists = select(Team.id).where(Team.section_id == section.id)
        community_id, kwargs = section.grid.community_id, {"post": Post.B, "section": section}
    if db.session.scalar(exists) is not None:
        raise Conflict("该网格或片区已有服务队", code=Code.DUPLICATE)
    team = new_team(community_id=community_id, name=name, **kwargs)
    audit(actor=actor, action="team.create", subject="team", subject_id=team.id,
          community_id=community_id, data={"post": team.post, "name": team.name}, now=now)
    commit_or_conflict("该网格或片区已有服务队")
    return team


def update_team(*, actor: User, team_id: int, changes: dict, now: datetime) -> Team:
    """Rename, retire or restore a team; a retired team is skipped by dispatch."""
    require_admin(actor)
    team = _get(Team, team_id, "服务队不存在")
    return _update(team, changes, actor=actor, subject="team", community_id=team.community_id,
                   now=now, conflict_msg="服务队冲突")


def community_tree(*, actor: User, community_id: int) -> Community:
    """A community with every grid, section and team, retired ones included."""
    community = _get(Community, community_id, "社区不存在")
    require_manager_of(actor, community.id)
    return community


def teams_of_community(community_id: int) -> list[Team]:
    return list(db.session.scalars(
        select(Team).where(Team.community_id == community_id).order_by(Team.id)))


# --- the catalogue ------------------------------------------------------------------------------


def check_dispatch_order(hops: list[str]) -> str:
    """Hops among A, B and committee, each at most once; the committee, if named, comes last."""
    allowed = [h.value for h in DISPATCH_HOPS]
    problems = []
    if not hops:
        problems.append("至少需要一个派单环节")
    if any(h not in allowed for h in hops):
        problems.append(f"派单环节只能是 {'、'.join(allowed)}")
    if len(set(hops)) != len(hops):
        problems.append("派单环节不能重复")
    if Hop.COMMITTEE.value in hops and hops[-1] != Hop.COMMITTEE.value:
        problems.append("社区两委（committee）只能是最后一个环节")
    if problems:
        raise Invalid("派单顺序无效：" + "；".join(problems),
                      errors={"dispatch_order": problems})
    return ",".join(hops)


def create_category(*, actor: User, code: str, name: str, accept_minutes: int,
                    resolve_hours: int, dispatch_order: list[str],
                    description: str | None = None, sort: int | None = None,
                    committee_minutes: int | None = None, now: datetime) -> Category:
    require_admin(actor)
    order = check_dispatch_order(dispatch_order)
    if db.session.scalar(select(Category.id).where(Category.code == code)) is not None:
        raise Conflict("类别编码已存在", code=Code.DUPLICATE, errors={"code": ["already exists"]})
    if sort is None:
        sort = (db.session.scalar(select(func.max(Category.sort))) or 0) + 1
    category = Category(code=code, name=name, description=description,
                        accept_minutes=accept_minutes, resolve_hours=resolve_hours,
                        committee_minutes=committee_minutes, dispatch_order=order, sort=sort)
    db.session.add(category)
    try:
        db.session.flush()
    except IntegrityError:  # the same code created at the same moment
        db.session.rollback()
        raise Conflict("类别编码已存在", code=Code.DUPLICATE, errors={"code": ["already exists"]}) from None
    audit(actor=actor, action="category.create", subject="category", subject_id=category.id,
          data={"code": code, "dispatch_order": order}, now=now)
    commit_or_conflict("类别编码已存在")
    return category


def update_category(*, actor: User, category_id: int, changes: dict,
                    now: datetime) -> Category:
    """New deadlines apply to requests submitted from now on; open ones keep theirs."""
    require_admin(actor)
    category = _get(Category, category_id, "类别不存在")
    changes = dict(changes)
    if "dispatch_order" in changes:
        changes["dispatch_order"] = check_dispatch_order(changes["dispatch_order"])
    return _update(category, changes, actor=actor, subject="category", community_id=None,
                   now=now, conflict_msg="类别编码已存在")


def create_department(*, actor: User, code: str, name: str, response_hours: int,
                      now: datetime) -> Department:
    """A functional department (职能部门) the committee can blow the whistle to."""
    require_admin(actor)
    if db.session.scalar(select(Department.id).where(Department.code == code)) is not None:
        raise Conflict("部门编码已存在", code=Code.DUPLICATE, errors={"code": ["already exists"]})
    department = Department(code=code, name=name, response_hours=response_hours)
    db.session.add(department)
    db.session.flush()
    audit(actor=actor, action="department.create", subject="department",
          subject_id=department.id, data={"code": code, "response_hours": response_hours}, now=now)
    commit_or_conflict("部门编码已存在")
    return department


def update_department(*, actor: User, department_id: int, changes: dict,
                      now: datetime) -> Department:
    """Rename, change the response time or retire; open whistles keep their deadline."""
    require_admin(actor)
    department = _get(Department, department_id, "部门不存在")
    return _update(department, changes, actor=actor, subject="department", community_id=None,
                   now=now, conflict_msg="部门编码已存在")


# --- roles --------------------------------------------------------------------------------------


def _grant_clause(user: User, role: Role, community_id: int | None, street_id: int | None):
    return (RoleGrant.user_id == user.id, RoleGrant.role == role,
            RoleGrant.community_id.is_(None) if community_id is None
            else RoleGrant.community_id == community_id,
            RoleGrant.street_id.is_(None) if street_id is None
            else RoleGrant.street_id == street_id)


def _role_data(role: Role, via: str, street_id: int | None) -> dict:
    data = {"role": role.value, "via": via}
    if street_id is not None:
        data["street_id"] = street_id
    return data


def grant(user: User, role: Role, *, community_id: int | None = None,
          street_id: int | None = None, actor: User | None, now: datetime,
          via: str = "admin") -> bool:
    """Give ``user`` a role (no commit); True when it was new. Audited."""
    found = db.session.scalar(select(RoleGrant).where(
        *_grant_clause(user, role, community_id, street_id)))
    if found is not None:
        return False
    db.session.add(RoleGrant(user_id=user.id, role=role, community_id=community_id,
                             street_id=street_id, granted_by_id=actor.id if actor else None,
                             created_at=now))
    audit(actor=actor, action="role.grant", subject="role", user_id=user.id,
          community_id=community_id, data=_role_data(role, via, street_id), now=now)
    db.session.flush()
    db.session.expire(user, ["grants"])
    return True


def revoke(user: User, role: Role, *, community_id: int | None = None,
           street_id: int | None = None, actor: User | None, now: datetime,
           via: str = "admin") -> bool:
    found = db.session.scalar(select(RoleGrant).where(
        *_grant_clause(user, role, community_id, street_id)))
    if found is None:
        return False
    db.session.delete(found)
    audit(actor=actor, action="role.revoke", subject="role", user_id=user.id,
          community_id=community_id, data=_role_data(role, via, street_id), now=now)
    db.session.flush()
    db.session.expire(user, ["grants"])
    return True


def _target(user_id: int | None, person_id: int | None) -> tuple[User | None, Person | None]:
    if (user_id is None) == (person_id is None):
        raise Invalid("请指定 user_id 或 person_id 之一",
                      errors={"user_id": ["give user_id or person_id, not both"]})
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("用户不存在")
        return user, None
    person = _get(Person, person_id, "人员不存在")
    user = db.session.get(User, person.user_id) if person.user_id else None
    return user, person


def grant_role(*, actor: User, role: Role, user_id: int | None = None,
               person_id: int | None = None, community_id: int | None = None,
               street_id: int | None = None, now: datetime) -> dict:
    """Admin grants committee (of one community), street (staff of one street), county or
    admin; only admins may.

    A person not yet linked keeps a committee seat that becomes the role when they log in.
    Team membership (role ``member``) goes through ``people.add_member``.
    """
    require_admin(actor)
    user, person = _target(user_id, person_id)
    if role == Role.COMMITTEE:
        community = _get(Community, _required_community(community_id), "社区不存在")
        if person is not None:
            _seat(person, community.id, active=True, actor=actor, now=now)
        if user is not None:
            grant(user, Role.COMMITTEE, community_id=community.id, actor=actor, now=now)
    elif role in (Role.ADMIN, Role.COUNTY, Role.STREET):
        if user is None:
            raise Invalid("该角色只能授予已登录过的账号", errors={"person_id": ["not linked"]})
        if role == Role.STREET:
            street_id = _get(Street, _required_street(street_id), "街道不存在").id
        grant(user, role, street_id=street_id if role == Role.STREET else None, actor=actor,
              now=now)
    else:
        raise Invalid(_ROLES_HERE, errors={"role": ["committee, street, county or admin"]})
    db.session.commit()
    return _role_out(user, person, role, community_id, street_id)


def revoke_role(*, actor: User, role: Role, user_id: int | None = None,
                person_id: int | None = None, community_id: int | None = None,
                street_id: int | None = None, now: datetime) -> dict:
    """Take back committee, street, county or admin; the last admin cannot be removed (409)."""
    require_admin(actor)
    user, person = _target(user_id, person_id)
    changed = False
    if role == Role.COMMITTEE:
        community_id = _required_community(community_id)
        if person is None and user is not None:
            person = db.session.scalar(select(Person).where(Person.user_id == user.id,
                                                            Person.community_id == community_id))
        if person is not None:
            changed |= _seat(person, community_id, active=False, actor=actor, now=now)
        if user is not None:
            changed |= revoke(user, Role.COMMITTEE, community_id=community_id, actor=actor, now=now)
    elif role == Role.ADMIN:
        if user is None:
            raise NotFound("该人员没有此角色")
        accounts.keep_one_admin(user.id)
        changed = revoke(user, Role.ADMIN, actor=actor, now=now)
    elif role in (Role.COUNTY, Role.STREET):
        if user is None:
            raise NotFound("该人员没有此角色")
        if role == Role.STREET:
            _required_street(street_id)
        changed = revoke(user, role, street_id=street_id if role == Role.STREET else None,
                         actor=actor, now=now)
    else:
        raise Invalid(_ROLES_HERE, errors={"role": ["committee, street, county or admin"]})
    if not changed:
        raise NotFound("该人员没有此角色")
    db.session.commit()
    return _role_out(user, person, role, community_id, street_id)


_ROLES_HERE = "此接口只授予或撤销 committee、street、county 或 admin；服务队成员请用服务队成员接口"


def _role_out(user, person, role: Role, community_id, street_id) -> dict:
    return {"user_id": user.id if user else None, "person_id": person.id if person else None,
            "role": role.value, "community_id": community_id,
            "street_id": street_id if role == Role.STREET else None}


def _required_street(street_id: int | None) -> int:
    if street_id is None:
        raise Invalid("街道角色必须指定街道", errors={"street_id": ["required for street"]})
    return street_id


def _required_community(community_id: int | None) -> int:
    if community_id is None:
        raise Invalid("社区两委角色必须指定社区",
                      errors={"community_id": ["required for committee"]})
    return community_id


def require_same_community(person: Person, community_id: int) -> None:
    """A person holds posts and seats of their own community only, never another's."""
    if person.community_id != community_id:
        raise Conflict("该人员属于其他社区，请在本社区登记", code=Code.PERSON_OF_OTHER_COMMUNITY,
                       errors={"person_id": ["belongs to another community"]})


def _seat(person: Person, community_id: int, *, active: bool, actor: User | None,
          now: datetime) -> bool:
    require_same_community(person, community_id)
    seat = db.session.scalar(select(CommitteeSeat).where(
        CommitteeSeat.person_id == person.id, CommitteeSeat.community_id == community_id))
    if seat is None and not active:
        return False
    if seat is None:
        seat = CommitteeSeat(person_id=person.id, community_id=community_id, created_at=now)
        db.session.add(seat)
    elif seat.is_active == active:
        return False
    seat.is_active = active
    audit(actor=actor, action="seat.add" if active else "seat.remove", subject="person",
          subject_id=person.id, person_id=person.id, community_id=community_id, now=now)
    db.session.flush()
    return True
