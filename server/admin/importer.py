"""Load a county's structure from a spreadsheet: communities, grids, sections, teams, people.

One row per place or per person's post (see ``seed/structure_template.csv``). The whole file
is validated first and every bad row is reported with its line number and a reason in
Chinese and English; nothing is written unless the whole file is valid. Writing looks every
natural key up first (community code, grid name, section name, phone), so importing the same
file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from server.accounts.models import User
from server.admin import people, service
from server.admin.models import Person
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Community, Grid, Section, Street, Team

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
        if row.community_name:
            if first := _disagrees(names, row.community_code, row.community_name, row.line):
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


# --- writing ------------------------------------------------------------------------------------


def _write(rows: list[Row], *, actor: User | None, now: datetime, track: Track, dry_run: bool) -> dict:
    known = _Known()
    counts = dict.fromkeys(("streets", "communities", "grids", "sections", "teams", "people",
                            "posts", "committee_seats", "linked", "updated"), 0)
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
                     dry_run: bool = False, track: Track = no_track) -> ImportReport:
    """Validate the whole file, then write it in one transaction (or roll back a dry run).

    ``actor`` is the admin calling through the API, or None for the operator's command.
    """
    if actor is not None:
        service.require_admin(actor)
    report = ImportReport(dry_run=dry_run)
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
    try:
        report.counts = _write(rows, actor=actor, now=now, track=track, dry_run=dry_run)
        service.audit(actor=actor, action="import.structure", subject="import", now=now,
                      data={"file": Path(filename).name[:100], "rows": report.rows,
                            "dry_run": dry_run, **report.counts})
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
