"""Import section boundaries from GeoJSON, KML or a zipped Shapefile (what Chinese GIS tools and map consoles export).

Every feature is matched to one section (by ``section_id``, or by community code or name, grid
and section names) or to a grid that has no sections, and its shape is checked: a closed,
simple polygon, in the coordinate system the file declares. Overlaps between sections, the
file's and those already stored, are measured in m²; overlaps below ``PLACE_SLIVER_M2`` are
tolerated and reported as such. Nothing is written unless every feature is valid; writing the
same file again changes nothing (the stored text of a shape is canonical).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import shapely
from flask import current_app
from sqlalchemy import exists, select

from server.accounts.models import User
from server.audit.service import audit
from server.extensions import db
from server.grid.models import Community, Grid, Section
from server.place import geometry, index
from server.place.coords import CoordSystem

MAX_FEATURES = 100_000

_KEYS = {
    "section_id": ("section_id", "片区ID", "片区编号"),
    "community_code": ("community_code", "社区编码", "code"),
    "community": ("community", "community_name", "社区", "社区名称"),
    "grid": ("grid", "grid_name", "网格", "网格名称"),
    "section": ("section", "section_name", "片区", "片区名称"),
}


@dataclass
class Problem:
    feature: int
    label: str
    zh: str
    en: str

    def as_dict(self) -> dict:
        return {"feature": self.feature, "label": self.label, "reason": self.zh, "reason_en": self.en}

    def render(self) -> str:
        label = f"（{self.label}）" if self.label else ""
        return f"第{self.feature}个要素{label} {self.zh} / feature {self.feature}: {self.en}"


@dataclass
class BoundaryReport:
    features: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: {"sections": 0, "grids": 0, "unchanged": 0})
    dry_run: bool = False
    coord_system: str = CoordSystem.WGS84

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Target:
    feature: geometry.RawFeature
    shape: object
    section: Section | None = None
    grid: Grid | None = None

    @property
    def name(self) -> str:
        place = self.section or self.grid
        return place.name if place else ""


def _value(properties: dict, key: str) -> str | None:
    for name in _KEYS[key]:
        value = properties.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return None


class _Places:
    """Every active community, grid and section, looked up by name or code."""

    def __init__(self):
        self.communities = list(db.session.scalars(select(Community).where(Community.is_active.is_(True))))
        self.sections = [s for c in self.communities for g in c.grids if g.is_active
                         for s in g.sections if s.is_active]

    def match(self, properties: dict) -> tuple[Section | Grid | None, tuple[str, str] | None]:
        section_id = _value(properties, "section_id")
        if section_id is not None:
            found = [s for s in self.sections if str(s.id) == section_id]
            return (found[0], None) if found else (None, (f"没有编号为 {section_id} 的片区",
                                                          f"no section with id {section_id}"))
        code, community, grid, section = (_value(properties, k) for k in
                                          ("community_code", "community", "grid", "section"))
        if section is None and grid is None and "/" in (properties.get("name") or ""):
            parts = [p.strip() for p in properties["name"].split("/")]
            if len(parts) in (2, 3):
                community, grid, section = parts[0], parts[1], parts[2] if len(parts) == 3 else None
                code = community if code is None and community.isascii() else code
        if section is None and grid is None:
            section = (properties.get("name") or "").strip() or None
        if section is None and grid is None:
            return None, ("缺少片区信息（section_id，或社区、网格、片区名称）",
                          "no section given (section_id, or community, grid and section names)")
        communities = [c for c in self.communities
                       if (code is None or c.code == code.upper())
                       and (community is None or community in (c.name, c.code))]
        if section is None:
            grids = [g for c in communities for g in c.grids if g.is_active and g.name == grid]
            if len(grids) != 1:
                return None, _count_problem(len(grids), f"网格“{grid}”", f"grid {grid!r}")
            if any(s.is_active for s in grids[0].sections):
                return None, ("该网格已有片区，请按片区导入边界",
                              "the grid has sections: import the boundaries of its sections")
            return grids[0], None
        found = [s for c in communities for g in c.grids if g.is_active
                 and (grid is None or g.name == grid) for s in g.sections
                 if s.is_active and s.name == section]
        if len(found) != 1:
            return None, _count_problem(len(found), f"片区“{section}”", f"section {section!r}")
        return found[0], None


def _count_problem(count: int, zh: str, en: str) -> tuple[str, str]:
    if count == 0:
        return f"找不到{zh}", f"{en} matches no place"
    return (f"{zh}对应{count}处，请加上社区编码或网格名称",
            f"{en} matches {count} places; add the community code or the grid name")


def import_boundaries(*, filename: str, data: bytes, coord_system: str, actor: User | None,
                      now: datetime, dry_run: bool = False) -> BoundaryReport:
    """Validate every feature, then write all of them or nothing; commits once."""
    report = BoundaryReport(dry_run=dry_run, coord_system=CoordSystem(coord_system))
    try:
        features = geometry.parse(data, filename)
    except geometry.FileError as exc:
        report.errors.append(Problem(0, "", exc.zh, exc.en))
        return report
    report.features = len(features)
    if not features:
        report.errors.append(Problem(0, "", "文件中没有要素", "the file has no features"))
        return report
    if len(features) > MAX_FEATURES:
        report.errors.append(Problem(0, "", f"要素过多（上限 {MAX_FEATURES}）",
                                     f"too many features (at most {MAX_FEATURES})"))
        return report
    targets = _validate(features, report)
    if not report.ok:
        return report
    _check_overlaps(targets, report)
    if not report.ok or dry_run:
        if dry_run:
            _count_changes(targets, report, write=False)
        return report
    _count_changes(targets, report, write=True)
    if report.counts["sections"] or report.counts["grids"]:
        index.bump(now)
    if actor is not None:  # as the structure import: the API's imports are audited
        audit(actor=actor, action="boundaries.import", subject="boundaries", now=now,
              data={"file": filename[:100], "coord_system": report.coord_system, **report.counts})
    db.session.commit()
    return report


def _validate(features: list[geometry.RawFeature], report: BoundaryReport) -> list[_Target]:
    places = _Places()
    targets: list[_Target] = []
    claimed: dict[tuple[str, int], int] = {}
    for feature in features:
        problems = list(feature.problems)
        shape, shape_problems = geometry.build(feature.geometry, report.coord_system)
        problems += shape_problems
        place, problem = places.match(feature.properties)
        if problem:
            problems.append(problem)
        elif place is not None:
            key = (type(place).__name__, place.id)
            if key in claimed:
                problems.append((f"与第{claimed[key]}个要素指向同一{'片区' if isinstance(place, Section) else '网格'}",
                                 f"same place as feature {claimed[key]}"))
            claimed.setdefault(key, feature.number)
        for zh, en in problems:
            report.errors.append(Problem(feature.number, feature.label, zh, en))
        if not problems:
            targets.append(_Target(feature, shape, place if isinstance(place, Section) else None,
                                   place if isinstance(place, Grid) else None))
    return targets


def _check_overlaps(targets: list[_Target], report: BoundaryReport) -> None:
    """Overlaps of the file's places with each other and with the stored ones not in it: the
    sections, and the grids that are shaped by their own polygon (those without sections)."""
    replaced = {(type(t.section or t.grid).__name__, (t.section or t.grid).id) for t in targets}
    shapes = [t.shape for t in targets]
    labels: list[tuple[int, str]] = [(t.feature.number, t.name) for t in targets]
    stored = [("Section", *row) for row in db.session.execute(
        select(Section.id, Section.name, Section.boundary)
        .join(Grid).join(Community)
        .where(Section.boundary.is_not(None), Section.is_active.is_(True),
               Grid.is_active.is_(True), Community.is_active.is_(True)))]
    has_sections = exists().where(Section.grid_id == Grid.id, Section.is_active.is_(True))
    stored += [("Grid", *row) for row in db.session.execute(
        select(Grid.id, Grid.name, Grid.boundary).join(Community)
        .where(Grid.boundary.is_not(None), Grid.is_active.is_(True), ~has_sections,
               Community.is_active.is_(True)))]
    for kind, place_id, name, text in stored:
        if (kind, place_id) not in replaced:
            shapes.append(geometry.loads(text))
            labels.append((0, name))
    if len(shapes) < 2:
        return
    tolerance = current_app.config["PLACE_SLIVER_M2"]
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j or i >= len(targets):
            continue  # each pair once, and at least one side from the file
        overlap = geometry.area_m2(shapes[i].intersection(shapes[j]))
        if overlap <= 0.01:
            continue  # they only touch
        other = labels[j][1] + (f"（第{labels[j][0]}个要素）" if labels[j][0] else "（已有边界）")
        other_en = f"{labels[j][1]!r}" + (f" (feature {labels[j][0]})" if labels[j][0] else " (stored)")
        number, label = labels[i]
        if overlap < tolerance:
            report.warnings.append(Problem(
                number, label, f"与{other}有 {overlap:.1f} m² 的细小重叠，小于容差 {tolerance:g} m²，已容许",
                f"overlaps {other_en} by {overlap:.1f} m², below the sliver tolerance of {tolerance:g} m²: tolerated"))
        else:
            report.errors.append(Problem(
                number, label, f"与{other}重叠 {overlap:.1f} m²",
                f"overlaps {other_en} by {overlap:.1f} m²"))


def _count_changes(targets: list[_Target], report: BoundaryReport, *, write: bool) -> None:
    for target in targets:
        text = geometry.dumps(target.shape)
        place = target.section or target.grid
        if place.boundary == text:
            report.counts["unchanged"] += 1
            continue
        report.counts["sections" if target.section else "grids"] += 1
        if not write:
            continue
        place.boundary = text
        if target.section is not None:
            minx, miny, maxx, maxy = target.shape.bounds
            place.min_lng, place.min_lat, place.max_lng, place.max_lat = minx, miny, maxx, maxy
