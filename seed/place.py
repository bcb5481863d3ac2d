"""Boundaries for the demo and the synthetic data.

``seed/boundaries/*.geojson`` hold plausible sections around Zhenlai's county town (镇赉县城,
about 45.85° N, 123.20° E), WGS-84, loaded through the same import as an operator's file
(``flask import boundaries``). Synthetic data gets a Voronoi tessellation: one cell per section.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import select, update

from server.extensions import db
from server.grid.models import Grid, Section
from server.place import boundaries, geometry, index

HERE = Path(__file__).parent / "boundaries"
TOWN = (45.85, 123.20)  # lat, lng of 镇赉县城


def load_boundaries(name: str, now: datetime) -> int:
    """Import ``seed/boundaries/<name>.geojson``; the number of sections whose shape changed."""
    path = HERE / f"{name}.geojson"
    report = boundaries.import_boundaries(filename=path.name, data=path.read_bytes(),
                                          coord_system="wgs84", actor=None, now=now)
    if not report.ok:
        raise ValueError("; ".join(e.render() for e in report.errors))
    return report.counts["sections"]


def voronoi_shapes(count: int, *, seed: int, spacing_m: float = 400.0) -> list:
    """``count`` cells tiling a square around the county town, in site order: sites on a
    jittered lattice, row by row, so that consecutive sites (a grid's sections) are neighbours."""
    rng = random.Random(seed)
    side = int(np.ceil(np.sqrt(count)))
    d_lat = spacing_m / 111_195
    d_lng = d_lat / np.cos(np.radians(TOWN[0]))
    lat0, lng0 = TOWN[0] - side * d_lat / 2, TOWN[1] - side * d_lng / 2
    sites = [(lng0 + (k % side + 0.5 + rng.uniform(-0.3, 0.3)) * d_lng,
              lat0 + (k // side + 0.5 + rng.uniform(-0.3, 0.3)) * d_lat) for k in range(count)]
    envelope = shapely.box(lng0, lat0, lng0 + side * d_lng, lat0 + side * d_lat)
    cells = list(shapely.voronoi_polygons(shapely.MultiPoint(sites), extend_to=envelope).geoms)
    tree = shapely.STRtree(cells)
    shapes = []
    for site in sites:
        point = shapely.Point(site)
        cell = next(cells[i] for i in tree.query(point) if cells[i].contains(point))
        shapes.append(shapely.transform(cell.intersection(envelope),
                                        lambda xy: np.round(xy, geometry.PRECISION)))
    return shapes


def random_point_in(shape, rng: random.Random) -> tuple[float, float]:
    """A uniformly random (lat, lng) inside a shape."""
    minx, miny, maxx, maxy = shape.bounds
    while True:
        lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shape.contains(shapely.Point(lng, lat)):
            return lat, lng


def voronoi_boundaries(now: datetime, *, seed: int, commit: bool = True) -> dict:
    """Shape every active section that has no shape yet as a Voronoi cell around the county
    town, grids kept together; the shapes by section id (written, index token bumped)."""
    rows = db.session.execute(
        select(Section.id).join(Grid).where(Section.is_active.is_(True), Section.boundary.is_(None))
        .order_by(Grid.community_id, Section.grid_id, Section.id)).scalars().all()
    if not rows:
        return {}
    shapes = dict(zip(rows, voronoi_shapes(len(rows), seed=seed), strict=True))
    values = []
    for section_id, shape in shapes.items():
        minx, miny, maxx, maxy = shape.bounds
        values.append({"id": section_id, "boundary": geometry.dumps(shape), "min_lng": minx,
                       "min_lat": miny, "max_lng": maxx, "max_lat": maxy})
    for start in range(0, len(values), 5000):
        db.session.execute(update(Section), values[start:start + 5000])
    index.bump(now)
    if commit:
        db.session.commit()
    return shapes
