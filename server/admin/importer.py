"""Load a county's structure from a spreadsheet: communities, grids, sections, teams, people.

One row per place or per person's post (see ``seed/structure_template.csv``). The whole file
is validated first and every bad row is reported with its line number and a reason in
Chinese and English; nothing is written unless the whole file is valid. Writing looks every
natural key up first (community code, grid name, section name, phone), so importing the same
file again changes nothing. A section the file lists under another grid of its community (and
no longer under its own) moves there. In sync mode (``prune``) the file is the whole truth
about each community it names and says nothing about any other: what those communities no
longer list is retired, unless open work is still there (see docs/admin.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select

from server.accounts.models import User
from server.admin import people, service
from server.admin.models import Person, PersonPost
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Community, Grid, Section, Street, Team, TeamMember
from server.place import index as place_index
from server.privacy import mask_name, mask_phone
from server.requests.enums import OPEN_STATUSES, Status
from server.requests.models import Request

MAX_ROWS = 100_000
COMMITTEE = "committee"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    max_length: int = 64


COLUMNS = [
    Column("community_code", "社区编码", "community code", 16),
    Column("community_name", "社区名称", "community name"),
    Column("street", "所属街道", "street"),
    Column("grid", "网格", "grid"),
    Column("section", "片区", "section"),
    Column("post", "岗位", "post", 16),
    Column("name", "姓名", "name"),
    Column("phone", "手机号", "phone", 20),
]
REQUIRED = {c.key for c in COLUMNS} - {"street"}
_BY_TOKEN = {t: c for c in COLUMNS for t in (c.key, c.zh, c.en.replace(" ", "_"))}
# Files of the first milestone named the street column "district"; 街道/乡镇 also read well.
_BY_TOKEN.update({t: COLUMNS[2] for t in ("district", "街道", "乡镇", "街道/乡镇")})
_POSTS = {"a": Post.A, "a岗": Post.A, "b": Post.B, "b岗": Post.B, "两委": COMMITTEE,
          "社区两委": COMMITTEE, "委员会": COMMITTEE, "committee": COMMITTEE}
_CODE = re.compile(r"[A-Z0-9]{1,16}")


@dataclass
class RowError:
    line: int | None  # None: the file as a whole (unreadable, unsupported type)
    column: str | None
    zh: str
    en: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.zh, "reason_en": self.en}

    def render(self) -> str:
        if self.line is None:
            return f"文件：{self.zh} / file: {self.en}"
        where = f" [{self.column}]" if self.column else ""
        return f"第{self.line}行{where} {self.zh} / line {self.line}: {self.en}"


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    dry_run: bool = False
    prune: bool = False
    moved: list[dict] = field(default_factory=list)  # sections moved to another grid
    retired: dict = field(default_factory=dict)  # what --prune retires, by kind

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Row:
    line: int
    community_code: str
    community_name: str
    street: str
    grid: str
    section: str
    post: str | None
    name: str
    phone: str | None


Track = Callable[[Iterable, int, str], Iterable]


def no_track(items: Iterable, _length: int, _label: str) -> Iterable:
    return items


# --- reading ------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel becomes a number
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The sheet's rows as strings (the first is the header); raises ``ValueError`` (zh, en)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            book.close()
        except Exception:  # openpyxl raises many kinds on a damaged file
            raise ValueError("无法读取该 Excel 文件", "the Excel file cannot be read") from None
        return table
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("CSV 文件编码无法识别（请使用 UTF-8）",
                             "unknown CSV encoding (use UTF-8)")
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]
    raise ValueError("只支持 .xlsx 或 .csv 文件", "only .xlsx and .csv files are supported")


def _header(cells: list[str]) -> tuple[dict[str, int], list[RowError]]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        for token in re.split(r"[\s()（）/]+", cell.lower()):
            column = _BY_TOKEN.get(token)
            if column is not None and column.key not in positions:
                positions[column.key] = index
                break
    missing = [c for c in COLUMNS if c.key in REQUIRED and c.key not in positions]
    errors = [RowError(1, c.key, f"缺少列「{c.zh}」", f"missing column '{c.key}'") for c in missing]
    return positions, errors


# --- validation ---------------------------------------------------------------------------------


class _Known:
    """What the database already holds, loaded once, by natural key."""

    def __init__(self):
        self.communities = {c.code: c for c in db.session.scalars(select(Community))}
        self.streets = {s.name: s for s in db.session.scalars(select(Street))}
        self.grids = {(g.community_id, g.name): g for g in db.session.scalars(select(Grid))}
        self.sections = {(s.grid_id, s.name): s for s in db.session.scalars(select(Section))}
        teams = list(db.session.scalars(select(Team)))
        self.a_teams = {t.grid_id: t for t in teams if t.grid_id is not None}
        self.b_teams = {t.section_id: t for t in teams if t.section_id is not None}
        self.people = {(p.community_id, p.phone): p for p in db.session.scalars(select(Person))}


def _parse_row(line: int, cells: list[str],
               positions: dict[str, int]) -> tuple[Row, list[RowError]]:
    values = {c.key: cells[positions[c.key]] if positions.get(c.key, len(cells)) < len(cells)
              else "" for c in COLUMNS}
    errors = []

    def bad(column, zh, en):
        errors.append(RowError(line, column, zh, en))

    for c in COLUMNS:
        if len(values[c.key]) > c.max_length:
            bad(c.key, f"「{c.zh}」超过{c.max_length}个字符",
                f"{c.key} is longer than {c.max_length}")
    code = values["community_code"].upper()
    if not code:
        bad("community_code", "缺少社区编码", "community code is missing")
    elif not _CODE.fullmatch(code):
        bad("community_code", "社区编码只能包含字母和数字",
            "community code must be letters and digits")
    post = None
    if values["post"]:
        post = _POSTS.get(values["post"].lower())
        if post is None:
            bad("post", "岗位只能是 A、B 或 两委", "post must be A, B or committee")
    if values["section"] and not values["grid"]:
        bad("grid", "填写了片区但缺少网格", "a section needs its grid")
    elif post in (Post.A, Post.B) and not values["grid"]:
        bad("grid", f"{post}岗成员必须填写网格", f"post {post} needs a grid")
    if post == Post.B and not values["section"]:
        bad("section", "B岗成员必须填写片区", "post B needs a section")
    phone = None
    if values["name"] or values["phone"]:
        if not values["name"]:
            bad("name", "填写了手机号但缺少姓名", "a phone needs a name")
        if not values["phone"]:
            bad("phone", "填写了姓名但缺少手机号", "a name needs a phone")
        else:
            phone = people.normalize_phone(values["phone"])
            if phone is None:
                bad("phone", "手机号格式不正确", "phone is not a valid mainland mobile number")
        if not values["post"]:
            bad("post", "填写了人员但缺少岗位", "a person needs a post")
    elif post is not None:
        bad("name", "填写了岗位但缺少姓名和手机号", "a post needs a name and a phone")
    row = Row(line, code, values["community_name"], values["street"], values["grid"],
              values["section"], post, values["name"], phone)
    return row, errors


def _disagrees(seen: dict, key: str, value: str, line: int) -> tuple[str, int] | None:
    """The first row's (value, line) for ``key`` when this row says otherwise; the first row
    for a key sets what the key means for the whole file."""
    first = seen.setdefault(key, (value, line))
    return first if first[0] != value else None


def _check_against(rows: list[Row], known: _Known) -> list[RowError]:
    """Rules across rows and against the database: names agree, retired places take nobody."""
    errors: list[RowError] = []
    names: dict[str, tuple[str, int]] = {}
    streets: dict[str, tuple[str, int]] = {}
    phones: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.street:
            if first := _disagrees(streets, row.community_code, row.street, row.line):
                errors.append(RowError(
                    row.line, "street",
                    f"社区编码 {row.community_code} 在第{first[1]}行属于街道「{first[0]}」",
                    f"community {row.community_code} has another street on line {first[1]}"))
            street = known.streets.get(row.street)
            if street is not None and not street.is_active:
                errors.append(RowError(row.line, "street", "街道已停用", "the street is retired"))
        if row.community_name and (
                first := _disagrees(names, row.community_code, row.community_name, row.line)):
            errors.append(RowError(
                row.line, "community_name",
                f"社区编码 {row.community_code} 在第{first[1]}行的名称是「{first[0]}」",
                f"community {row.community_code} has another name on line {first[1]}"))
        if row.phone:
            if first := _disagrees(phones, row.phone, row.name, row.line):
                errors.append(RowError(row.line, "phone", f"该手机号在第{first[1]}行登记为另一姓名",
                                       f"this phone has another name on line {first[1]}"))
            community = known.communities.get(row.community_code)
            person = known.people.get((community.id, row.phone)) if community else None
            if person is not None and person.name != row.name:
                errors.append(RowError(row.line, "phone", "该手机号已登记为另一姓名",
                                       "this phone is already registered under another name"))
    for row in rows:
        community = known.communities.get(row.community_code)
        if community is None and row.community_code not in names:
            errors.append(RowError(row.line, "community_name", "新社区必须填写社区名称",
                                   "a new community needs a name"))
        errors += _retired(row, community, known)
    return errors


def _retired(row: Row, community: Community | None, known: _Known) -> list[RowError]:
    def bad(column, zh, en):
        return [RowError(row.line, column, zh, en)]

    if community is None:
        return []
    grid = known.grids.get((community.id, row.grid)) if row.grid else None
    adds = row.post is not None or (row.grid and grid is None)
    if not community.is_active and adds:
        return bad("community_code", "社区已停用", "the community is retired")
    if grid is None:
        return []
    section = known.sections.get((grid.id, row.section)) if row.section else None
    if not grid.is_active and (row.post in (Post.A, Post.B) or (row.section and section is None)):
        return bad("grid", "网格已停用", "the grid is retired")
    team = known.a_teams.get(grid.id)
    if row.post == Post.A and team is not None and not team.is_active:
        return bad("post", "该网格的A岗服务队已停用", "the grid's A team is retired")
    if section is None:
        return []
    if not section.is_active and row.post == Post.B:
        return bad("section", "片区已停用", "the section is retired")
    team = known.b_teams.get(section.id)
    if row.post == Post.B and team is not None and not team.is_active:
        return bad("post", "该片区的B岗服务队已停用", "the section's B team is retired")
    return []


def validate(table: list[list[str]], *,
             track: Track = no_track) -> tuple[list[Row], list[RowError]]:
    if not table or not any(table[0]):
        return [], [RowError(1, None, "文件为空或缺少表头", "the file is empty or has no header")]
    positions, errors = _header(table[0])
    if errors:
        return [], errors
    if len(table) - 1 > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, None, f"文件超过{MAX_ROWS}行",
                             f"more than {MAX_ROWS} rows")]
    rows: list[Row] = []
    well_formed: list[Row] = []
    for line, cells in track(enumerate(table[1:], start=2), len(table) - 1, "检查 checking"):
        if not any(cells):
            continue
        row, row_errors = _parse_row(line, cells, positions)
        rows.append(row)
        errors += row_errors
        if not row_errors:
            well_formed.append(row)
    if not rows:
        errors.append(RowError(2, None, "文件没有数据行", "the file has no data rows"))
    errors += _check_against(well_formed, _Known())
    return rows, sorted(errors, key=lambda e: e.line)


# --- moves and pruning ---------------------------------------------------------------------------


@dataclass
class Plan:
    """What the file changes besides what it adds: sections it moves to another grid and, with
    ``prune``, the places, teams and posts of its communities that it no longer lists."""

    moves: dict[tuple[str, str, str], Section] = field(default_factory=dict)  # (code, grid, section)
    grids: list[Grid] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    posts: list[PersonPost] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _plan(rows: list[Row], known: _Known, *, prune: bool) -> Plan:
    plan = Plan()
    grids_by_id = {g.id: g for g in known.grids.values()}
    listed: dict[str, set[tuple[str, str]]] = {}  # community code -> (grid, section) in the file
    for row in rows:
        listed.setdefault(row.community_code, set()).add((row.grid, row.section))
    first_line: dict[tuple[str, str, str], int] = {}
    for row in rows:
        if row.section:
            first_line.setdefault((row.community_code, row.grid, row.section), row.line)
    for (code, grid_name, name), line in first_line.items():
        community = known.communities.get(code)
        if community is None:
            continue
        grid = known.grids.get((community.id, grid_name))
        if grid is not None and (grid.id, name) in known.sections:
            continue  # where the file says it is already
        # A section the file lists under another grid only (and no longer under its own) moves.
        candidates = [s for (grid_id, section_name), s in known.sections.items()
                      if section_name == name and s.is_active
                      and grids_by_id[grid_id].community_id == community.id
                      and (grids_by_id[grid_id].name, name) not in listed[code]]
        if len(candidates) > 1:
            plan.errors.append(RowError(
                line, "section", "本社区多个网格都有同名片区，无法判断要移动哪一个",
                "sections of this name are in several grids; which one moves is unclear"))
        elif candidates:
            plan.moves[(code, grid_name, name)] = candidates[0]
    if prune:
        _prune_plan(plan, rows, known, grids_by_id)
    return plan


def _prune_plan(plan: Plan, rows: list[Row], known: _Known, grids_by_id: dict) -> None:
    """Within each community of the file (and no other): the grids, sections, teams and posts
    it does not list retire; a place whose retiring leaves open work behind is refused."""
    moving = {s.id: grid for (code, grid, _), s in plan.moves.items()}
    by_code: dict[str, list[Row]] = {}
    for row in rows:
        by_code.setdefault(row.community_code, []).append(row)
    retiring_sections: set[int] = set()
    sections_by_id = {s.id: s for s in known.sections.values()}
    for code, its_rows in by_code.items():
        community = known.communities.get(code)
        if community is None:
            continue
        grid_names = {r.grid for r in its_rows if r.grid}
        pairs = {(r.grid, r.section) for r in its_rows if r.section}
        posts = {(r.post, r.grid, r.section if r.post == Post.B else "", r.phone)
                 for r in its_rows if r.post in (Post.A, Post.B)}
        grids = [g for g in grids_by_id.values() if g.community_id == community.id]
        for grid in grids:
            if grid.is_active and grid.name not in grid_names:
                plan.grids.append(grid)
        gone = {g.id for g in plan.grids}
        for (grid_id, name), section in known.sections.items():
            grid = grids_by_id[grid_id]
            if (grid.community_id != community.id or not section.is_active
                    or section.id in moving):
                continue
            if grid.id in gone or (grid.name, name) not in pairs:
                plan.sections.append(section)
                retiring_sections.add(section.id)
        teams = [t for t in known.a_teams.values() if t.community_id == community.id] + [
            t for t in known.b_teams.values() if t.community_id == community.id]
        for team in sorted(teams, key=lambda t: t.id):
            if team.is_active and (team.grid_id in gone or team.section_id in retiring_sections):
                plan.teams.append(team)
        closing = {t.id for t in plan.teams}
        for team in teams:
            if team.section_id is not None:
                section = sections_by_id[team.section_id]
                key = (Post.B, moving.get(section.id, grids_by_id[section.grid_id].name),
                       section.name)
            else:
                key = (Post.A, grids_by_id[team.grid_id].name, "")
            for post in db.session.scalars(select(PersonPost).where(
                    PersonPost.team_id == team.id, PersonPost.is_active.is_(True))
                    .order_by(PersonPost.id)):
                if team.id in closing or (*key, post.person.phone) not in posts:
                    plan.posts.append(post)
    plan.errors += _open_work(plan, known, grids_by_id, set(moving))


def _open_work(plan: Plan, known: _Known, grids_by_id: dict, moving: set[int]) -> list[RowError]:
    """A place is not retired while open requests are in it or held by its teams."""
    section_ids = {s.id for s in plan.sections}
    team_ids = {t.id for t in plan.teams}
    if not section_ids and not team_ids:
        return []
    waiting_to_follow = (Request.status == Status.DISPATCHED) & Request.section_id.in_(moving)
    found = db.session.scalars(
        select(Request).where(Request.status.in_(OPEN_STATUSES),
                              or_(Request.section_id.in_(section_ids),
                                  Request.team_id.in_(team_ids) & ~waiting_to_follow))
        .order_by(Request.id))
    held: dict[tuple[str, int], list[str]] = {}
    for request in found:
        where = (("section", request.section_id) if request.section_id in section_ids
                 else ("team", request.team_id))
        held.setdefault(where, []).append(request.no)
    community_code = {c.id: c.code for c in known.communities.values()}
    teams = {t.id: t for t in plan.teams}
    sections = {s.id: s for s in plan.sections}
    errors = []
    for (kind, place_id), numbers in sorted(held.items()):
        if kind == "section":
            section = sections[place_id]
            grid = grids_by_id[section.grid_id]
            zh_place, en_place = f"片区「{grid.name}/{section.name}」", f"section {grid.name}/{section.name}"
        else:
            team = teams[place_id]
            zh_place, en_place = f"服务队「{team.name}」", f"team {team.name}"
            grid = grids_by_id.get(team.grid_id) if team.grid_id else None
        code = community_code.get(grid.community_id if grid else teams[place_id].community_id)
        listed = "、".join(numbers)
        errors.append(RowError(
            None, kind if kind == "section" else "grid",
            f"社区 {code} 的{zh_place}仍有未办结的诉求，不能停用：{listed}",
            f"{en_place} of community {code} still has open requests, so it cannot be retired: "
            + ", ".join(numbers)))
    return errors


def _retire(plan: Plan, *, actor: User | None, now: datetime) -> None:
    """Retire what the plan says (never delete); each retirement audited, people's team
    memberships ended (the member role goes with the last)."""
    for kind, rows in (("grid", plan.grids), ("section", plan.sections), ("team", plan.teams)):
        for row in rows:
            row.is_active = False
            community_id = row.community_id if kind != "section" else \
                db.session.get(Grid, row.grid_id).community_id
            service.audit(actor=actor, action=f"{kind}.retire", subject=kind, subject_id=row.id,
                          community_id=community_id, data={"is_active": False, "via": "import"},
                          now=now)
    for post in plan.posts:
        post.is_active = False
        team = db.session.get(Team, post.team_id)
        user = db.session.get(User, post.person.user_id) if post.person.user_id else None
        if user is not None:
            people._leave(user, team, actor=actor, now=now)
        service.audit(actor=actor, action="member.remove", subject="team", subject_id=team.id,
                      person_id=post.person_id, user_id=user.id if user else None,
                      community_id=team.community_id, data={"post": team.post, "via": "import"},
                      now=now)
    for team in plan.teams:  # members who came another way (an in-service approval) leave too
        for member in db.session.scalars(select(TeamMember).where(
                TeamMember.team_id == team.id, TeamMember.is_active.is_(True))):
            people._leave(db.session.get(User, member.user_id), team, actor=actor, now=now)
    if plan.grids or plan.sections:
        with db.session.no_autoflush:
            place_index.bump(now)
    db.session.flush()


def _describe(plan: Plan, known: _Known) -> dict:
    """What a prune retires, named for the operator (people masked)."""
    grids_by_id = {g.id: g for g in known.grids.values()}
    codes = {c.id: c.code for c in known.communities.values()}
    teams = {t.id: t for t in [*known.a_teams.values(), *known.b_teams.values()]}
    return {
        "grids": [{"id": g.id, "community_code": codes[g.community_id], "name": g.name}
                  for g in plan.grids],
        "sections": [{"id": s.id, "community_code": codes[grids_by_id[s.grid_id].community_id],
                      "grid": grids_by_id[s.grid_id].name, "name": s.name}
                     for s in plan.sections],
        "teams": [{"id": t.id, "community_code": codes[t.community_id], "post": t.post,
                   "name": t.name} for t in plan.teams],
        "posts": [{"team_id": p.team_id, "team": teams[p.team_id].name, "person_id": p.person_id,
                   "name": mask_name(p.person.name), "phone": mask_phone(p.person.phone)}
                  for p in plan.posts],
    }


# --- writing ------------------------------------------------------------------------------------


def _write(rows: list[Row], plan: Plan, moved: list[dict], *, actor: User | None,
           now: datetime, track: Track, dry_run: bool) -> dict:
    known = _Known()
    counts = dict.fromkeys(("streets", "communities", "grids", "sections", "teams", "people",
                            "posts", "committee_seats", "linked", "updated", "moved",
                            "rerouted"), 0)
    names = {r.community_code: r.community_name for r in rows if r.community_name}
    streets = {r.community_code: _street(known, r.street, counts) for r in rows if r.street}
    label = "试写（不保存） rehearsing, nothing kept" if dry_run else "写入 writing"
    for row in track(rows, len(rows), label):
        community = known.communities.get(row.community_code)
        if community is None:
            community = Community(code=row.community_code, name=names[row.community_code],
                                  street_id=streets.get(row.community_code))
            db.session.add(community)
            db.session.flush()
            known.communities[community.code] = community
            counts["communities"] += 1
        else:
            wanted = {"name": names.get(community.code, community.name),
                      "street_id": streets.get(community.code, community.street_id)}
            if any(getattr(community, k) != v for k, v in wanted.items()):
                for key, value in wanted.items():
                    setattr(community, key, value)
                counts["updated"] += 1
        grid = section = None
        if row.grid:
            grid = _place(known.grids, (community.id, row.grid), counts, "grids",
                          lambda c=community, r=row: Grid(community_id=c.id, name=r.grid))
            if grid.id not in known.a_teams:
                known.a_teams[grid.id] = service.new_team(post=Post.A, community_id=community.id,
                                                           grid=grid)
                counts["teams"] += 1
        if row.section:
            moving = plan.moves.pop((community.code, row.grid, row.section), None)
            if moving is not None:
                moved.append({"community_code": community.code, "section": row.section,
                              "from_grid": db.session.get(Grid, moving.grid_id).name,
                              "to_grid": grid.name})
                del known.sections[(moving.grid_id, moving.name)]
                counts["rerouted"] += len(service.move_section(moving, grid, actor=actor,
                                                               now=now))
                known.sections[(grid.id, moving.name)] = moving
            section = _place(known.sections, (grid.id, row.section), counts, "sections",
                             lambda g=grid, r=row: Section(grid_id=g.id, name=r.section))
            if section.id not in known.b_teams:
                known.b_teams[section.id] = service.new_team(
                    post=Post.B, community_id=community.id, section=section)
                counts["teams"] += 1
        if row.phone:
            person = known.people.get((community.id, row.phone))
            if person is None:
                person, _ = people.ensure_person(community_id=community.id, name=row.name,
                                                 phone=row.phone, now=now, actor=actor)
                known.people[(community.id, row.phone)] = person
                counts["people"] += 1
                counts["linked"] += person.user_id is not None
            if row.post == COMMITTEE:
                counts["committee_seats"] += people.add_seat(person, community.id, actor=actor,
                                                             now=now, via="import")
            else:
                team = known.a_teams[grid.id] if row.post == Post.A else known.b_teams[section.id]
                counts["posts"] += people.add_post(person, team, actor=actor, now=now,
                                                   via="import")
    counts["moved"] = len(moved)
    return counts


def _street(known: _Known, name: str, counts: dict) -> int:
    """The street of that name, created (with the next free code ``S###``) when new."""
    street = known.streets.get(name)
    if street is None:
        taken = {s.code for s in known.streets.values()}
        number = len(taken) + 1
        while f"S{number:03d}" in taken:
            number += 1
        street = Street(code=f"S{number:03d}", name=name)
        db.session.add(street)
        db.session.flush()
        known.streets[name] = street
        counts["streets"] += 1
    return street.id


def _place(index: dict, key, counts: dict, name: str, make):
    row = index.get(key)
    if row is None:
        row = make()
        db.session.add(row)
        db.session.flush()
        index[key] = row
        counts[name] += 1
    return row


def import_structure(*, filename: str, data: bytes, actor: User | None, now: datetime,
                     dry_run: bool = False, prune: bool = False,
                     track: Track = no_track) -> ImportReport:
    """Validate the whole file, then write it in one transaction (or roll back a dry run).

    ``prune`` (sync mode): within the communities the file names, and no other, the grids,
    sections, teams and posts it does not list are retired; a place with open work is refused
    (an error naming the requests) and then nothing is written.
    ``actor`` is the admin calling through the API, or None for the operator's command.
    """
    if actor is not None:
        service.require_admin(actor)
    report = ImportReport(dry_run=dry_run, prune=prune)
    try:
        table = read_table(filename, data)
    except ValueError as exc:
        zh, en = exc.args
        report.errors.append(RowError(None, None, zh, en))
        return report
    rows, report.errors = validate(table, track=track)
    report.rows = len(rows)
    if report.errors:
        return report
    known = _Known()
    plan = _plan(rows, known, prune=prune)
    if plan.errors:
        report.errors = sorted(plan.errors, key=lambda e: (e.line or 0))
        return report
    if prune:
        report.retired = _describe(plan, known)
    try:
        report.counts = _write(rows, plan, report.moved, actor=actor, now=now, track=track,
                               dry_run=dry_run)
        if prune:
            _retire(plan, actor=actor, now=now)
            report.counts.update({f"{kind}_retired": len(items)
                                  for kind, items in report.retired.items()})
        service.audit(actor=actor, action="import.structure", subject="import", now=now,
                      data={"file": Path(filename).name[:100], "rows": report.rows,
                            "dry_run": dry_run, "prune": prune, **report.counts})
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
