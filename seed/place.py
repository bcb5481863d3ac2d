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


def voronoi_boundaries(now: datetime, *, seed: int, spacing_m: float = 400.0) -> int:
    """One Voronoi cell per active section, grids kept together, around the county town; the
    number of sections shaped. Sites sit on a jittered lattice, grid after grid, so that a
    grid's sections are neighbours."""
    rows = db.session.execute(
        select(Section.id).join(Grid).where(Section.is_active.is_(True))
        .order_by(Grid.community_id, Section.grid_id, Section.id)).scalars().all()
    if not rows:
        return 0
    rng = random.Random(seed)
    side = int(np.ceil(np.sqrt(len(rows))))
    d_lat = spacing_m / 111_195
    d_lng = d_lat / np.cos(np.radians(TOWN[0]))
    lat0, lng0 = TOWN[0] - side * d_lat / 2, TOWN[1] - side * d_lng / 2
    sites = [(lng0 + (k % side + 0.5 + rng.uniform(-0.3, 0.3)) * d_lng,
              lat0 + (k // side + 0.5 + rng.uniform(-0.3, 0.3)) * d_lat) for k in range(len(rows))]
    envelope = shapely.box(lng0, lat0, lng0 + side * d_lng, lat0 + side * d_lat)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(sites), extend_to=envelope)
    by_site = shapely.STRtree(list(cells.geoms))
    values = []
    for section_id, site in zip(rows, sites, strict=True):
        point = shapely.Point(site)
        cell = next(c for c in (cells.geoms[i] for i in by_site.query(point)) if c.contains(point))
        shape = shapely.transform(cell.intersection(envelope), lambda xy: np.round(xy, geometry.PRECISION))
        minx, miny, maxx, maxy = shape.bounds
        values.append({"id": section_id, "boundary": geometry.dumps(shape), "min_lng": minx,
                       "min_lat": miny, "max_lng": maxx, "max_lat": maxy})
    for start in range(0, len(values), 5000):
        db.session.execute(update(Section), values[start:start + 5000])
    index.bump(now)
    db.session.commit()
    return len(values)
