"""A community's map: its sections coloured by their lights, open requests as coarse dots.

Public by construction: shapes of sections are public, counts are per section, and a dot
stands at the centre of a block of 4 × 4 cells (about 220 m × 155 m at 45° N), or at the
section's own representative point, never at a request's point. One dot per block and light,
sized by how many open requests it stands for: a busy city community has thousands of open
requests in a few hundred blocks, and a circle each made its page half a megabyte. Drawn as
inline SVG (no tiles, scripts, fonts or external assets: it works inside the mini-program's
web-view), with a GeoJSON twin.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import shapely
from markupsafe import Markup, escape
from sqlalchemy import select

from server.extensions import db
from server.grid.models import Grid, Section
from server.place import cells, geometry
from server.requests.enums import OPEN_STATUSES
from server.requests.lights import light_of
from server.requests.models import Request, from_residents
from server.sunlight.public import LIGHT_LABELS

BLOCK = 4  # cells per side of the block a public dot stands for
WIDTH, HEIGHT, PAD = 340, 260, 8
FILL = {"red": "#f6c7c3", "yellow": "#fde9b5", "green": "#cfe8d4", "none": "#eeeeee"}
STROKE = "#777777"
DOT = {"red": "#d93025", "yellow": "#e37400", "green": "#188038"}
LIGHTS = ("red", "yellow", "green")
MAX_RADIUS = 14  # px: a dot's area grows with its count up to this


def community_map(community_id: int, now: datetime) -> dict:
    """Sections with their shapes (GeoJSON) and counts of open requests by light, and the
    coarse dots of open requests (one per block and light, with its ``count``); plain data,
    cached with the board."""
    sections = db.session.execute(
        select(Section.id, Section.name, Section.boundary, Grid.id, Grid.name)
        .join(Grid, Section.grid_id == Grid.id)
        .where(Grid.community_id == community_id, Grid.is_active.is_(True), Section.is_active.is_(True))
        .order_by(Grid.id, Section.id)
    ).all()
    shapes = {sid: geometry.loads(text) for sid, _n, text, _g, _gn in sections if text}
    counts = {sid: {"open": 0, "green": 0, "yellow": 0, "red": 0} for sid, *_ in sections}
    dots: dict[tuple, dict] = {}
    # Where a request's dot stands depends only on its section and cell: found once per pair
    # (a busy city community has thousands of open requests in a few hundred cells).
    placed: dict[tuple[int, int | None], tuple[float, float]] = {}
    rows = db.session.execute(
        select(Request.section_id, Request.status, Request.submitted_at, Request.resolve_deadline,
               Request.cell)
        .where(Request.community_id == community_id, Request.status.in_(list(OPEN_STATUSES)),
               from_residents())
    )
    for section_id, status, submitted_at, deadline, cell in rows:
        if section_id not in counts:
            continue
        light = light_of(status=status, submitted_at=submitted_at, resolve_deadline=deadline, now=now)
        tally = counts[section_id]
        tally["open"] += 1
        if light is not None:
            tally[light.value] += 1
        shape = shapes.get(section_id)
        if shape is None:
            continue
        where = placed.get((section_id, cell))
        if where is None:
            where = placed[(section_id, cell)] = _dot(shape, cell)
        colour = light.value if light else "green"
        dot = dots.get((section_id, where, colour))
        if dot is None:
            dot = dots[(section_id, where, colour)] = {
                "lat": where[0], "lng": where[1], "section_id": section_id, "light": colour,
                "count": 0}
        dot["count"] += 1
    return {
        "sections": [{
            "section_id": sid, "name": name, "grid_id": grid_id, "grid": grid_name,
            "geometry": json.loads(text) if text else None, **counts[sid],
            "light": _worst(counts[sid]),
        } for sid, name, text, grid_id, grid_name in sections],
        "dots": sorted(dots.values(), key=lambda d: (d["lat"], d["lng"], LIGHTS.index(d["light"]))),
    }


def _dot(shape, cell: int | None) -> tuple[float, float]:
    """(lat, lng) of a dot: the centre of the cell's block when the section holds it, else the
    section's representative point."""
    lat, lng = cells.centre_of(cell, BLOCK) if cell is not None else (None, None)
    if lat is None or not shape.contains(shapely.Point(lng, lat)):
        point = shape.representative_point()
        lat, lng = point.y, point.x
    return round(lat, 5), round(lng, 5)


def _worst(tally: dict) -> str:
    for light in LIGHTS:
        if tally[light]:
            return light
    return "green" if tally["open"] else "none"


LEVELS = ("section", "grid", "community")


def feature_collection(data: dict, level: str = "section", *, community: tuple[int, str] | None = None,
                       grid_shapes: dict[int, str | None] | None = None) -> dict:
    """The GeoJSON twin: one feature per section (its ids, name and counts; no points), or per
    grid (the union of its sections' shapes, or the grid's own polygon when none has one), or
    the community as one feature (the union of its grids), with the counts summed."""
    if level == "section":
        return {"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": s["geometry"],
            "properties": {"section_id": s["section_id"], "grid_id": s["grid_id"], "name": s["name"],
                           "grid": s["grid"], "open": s["open"], "green": s["green"],
                           "yellow": s["yellow"], "red": s["red"], "light": s["light"]},
        } for s in data["sections"]]}
    grids: dict[int, dict] = {}
    for section in data["sections"]:
        grid = grids.setdefault(section["grid_id"], {"name": section["grid"], "sections": []})
        grid["sections"].append(section)
    for grid_id, own in (grid_shapes or {}).items():
        grids.setdefault(grid_id, {"name": own[0], "sections": []})["own"] = own[1]
    features = []
    for grid_id, grid in grids.items():
        shapes = [shapely.geometry.shape(s["geometry"]) for s in grid["sections"] if s["geometry"]]
        if not shapes and grid.get("own"):
            shapes = [geometry.loads(grid["own"])]
        features.append({"id": grid_id, "name": grid["name"], "shapes": shapes,
                         **_summed(grid["sections"])})
    if level == "community":
        community_id, name = community
        features = [{"id": community_id, "name": name,
                     "shapes": [shape for f in features for shape in f["shapes"]],
                     **_summed(data["sections"])}]
    key = "grid_id" if level == "grid" else "community_id"
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.union_all(f["shapes"])) if f["shapes"] else None,
        "properties": {key: f["id"], "name": f["name"], "open": f["open"], "green": f["green"],
                       "yellow": f["yellow"], "red": f["red"], "light": _worst(f)},
    } for f in features]}


def _summed(sections: list[dict]) -> dict:
    return {light: sum(s[light] for s in sections) for light in ("open", "green", "yellow", "red")}


def grid_shapes(community_id: int) -> dict[int, tuple[str, str | None]]:
    """The community's active grids: name and own polygon (GeoJSON text or None)."""
    return {gid: (name, text) for gid, name, text in db.session.execute(
        select(Grid.id, Grid.name, Grid.boundary)
        .where(Grid.community_id == community_id, Grid.is_active.is_(True)).order_by(Grid.id))}


def svg(data: dict, title: str) -> Markup | None:
    """The map as inline SVG; None when no section of the community has a shape yet."""
    shaped = [s for s in data["sections"] if s["geometry"]]
    if not shaped:
        return None
    shapes = [shapely.geometry.shape(s["geometry"]) for s in shaped]
    minx, miny, maxx, maxy = shapely.GeometryCollection(shapes).bounds
    k = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * k, 1e-9), max(maxy - miny, 1e-9)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
    off_x = (WIDTH - span_x * scale) / 2
    off_y = (HEIGHT - span_y * scale) / 2

    def xy(lng: float, lat: float) -> str:
        return f"{off_x + (lng - minx) * k * scale:.1f},{off_y + (maxy - lat) * scale:.1f}"

    body = []
    for section, shape in zip(shaped, shapes, strict=True):
        path = []
        for polygon in getattr(shape, "geoms", [shape]):
            for ring in [polygon.exterior, *polygon.interiors]:
                path.append("M" + " L".join(xy(x, y) for x, y in ring.coords[:-1]) + " Z")
        label = f"{section['grid']} {section['name']}：在办 {section['open']} 件"
        body.append(f'<path d="{" ".join(path)}" fill="{FILL[section["light"]]}" stroke="{STROKE}" '
                    f'stroke-width="1" fill-rule="evenodd" class="section light-{section["light"]}" '
                    f'data-section-id="{section["section_id"]}"><title>{escape(label)}</title></path>')
    by_block: dict[tuple[float, float], list[dict]] = {}
    for dot in data["dots"]:
        by_block.setdefault((dot["lat"], dot["lng"]), []).append(dot)
    for (lat, lng), lights in by_block.items():
        cx, cy = (float(v) for v in xy(lng, lat).split(","))
        for n, dot in enumerate(lights):
            x, y = cx, cy
            if len(lights) > 1:  # a block with several lights: each around its centre
                angle = 2 * math.pi * n / len(lights)
                x, y = x + 4 * math.cos(angle), y + 4 * math.sin(angle)
            count = dot.get("count", 1)
            radius = min(3 * math.sqrt(count), MAX_RADIUS)
            label = f"{LIGHT_LABELS.get(dot['light'], LIGHT_LABELS['green'])} 在办 {count} 件"
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                        f'fill="{DOT.get(dot["light"], DOT["green"])}" fill-opacity="0.8" '
                        f'stroke="#ffffff" stroke-width="0.8" class="dot" data-count="{count}">'
                        f'<title>{label}</title></circle>')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart map"><title>{escape(title)}</title>'
        f"{''.join(body)}</svg>"
    )
