"""The in-process spatial index of section boundaries (shapely's STRtree).

Each worker process keeps one index per application and rebuilds it when the boundary token
(``place_versions``) differs from the one it was built from: one primary-key read per lookup,
so a boundary import in any process is seen by every worker on its next request.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.extensions import db
from server.grid.models import Community, Grid, Section
from server.place import geometry
from server.place.models import PlaceVersion

BOUNDARIES = "boundaries"


@dataclass(frozen=True)
class Entry:
    section_id: int
    section_name: str
    grid_id: int
    grid_name: str
    community_id: int
    community_name: str


@dataclass
class SectionIndex:
    token: str | None
    entries: list[Entry]
    shapes: np.ndarray  # of shapely polygons, prepared
    tree: shapely.STRtree | None

    def locate(self, lat: float, lng: float) -> Entry | None:
        """The section whose shape holds the point; the smallest if tolerated slivers overlap."""
        if self.tree is None:
            return None
        hits = self.tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        if len(hits) > 1:
            hits = sorted(hits, key=lambda i: self.shapes[i].area)
        return self.entries[int(hits[0])]

    def nearest(self, lat: float, lng: float) -> tuple[Entry, float] | None:
        """The nearest section and its distance in metres. The tree measures in degrees, which
        shrink eastward with latitude, so every shape within twice the nearest degree distance
        is measured in metres."""
        if self.tree is None:
            return None
        point = shapely.Point(lng, lat)
        first, degrees = self.tree.query_nearest(point, return_distance=True, all_matches=False)
        reach = max(float(degrees[0]) * 2, 1e-9)
        candidates = set(self.tree.query(point.buffer(reach)).tolist()) | {int(first[0])}
        measured = [(geometry.distance_to_m(self.shapes[i], lat, lng), i) for i in candidates]
        metres, best = min(measured)
        return self.entries[best], metres

    def shape_of(self, section_id: int):
        for entry, shape in zip(self.entries, self.shapes, strict=True):
            if entry.section_id == section_id:
                return shape
        return None


_EMPTY = SectionIndex(None, [], np.array([]), None)
_lock = threading.Lock()


def current_token() -> str | None:
    return db.session.scalar(select(PlaceVersion.token).where(PlaceVersion.name == BOUNDARIES))


def bump(now: datetime) -> str:
    """Mark boundaries changed (in the caller's transaction): every worker rebuilds."""
    token = uuid.uuid4().hex
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(PlaceVersion).values(name=BOUNDARIES, token=token, changed_at=now)
        .on_conflict_do_update(index_elements=["name"], set_={"token": token, "changed_at": now})
    )
    return token


def build(token: str | None) -> SectionIndex:
    rows = db.session.execute(
        select(Section.id, Section.name, Section.boundary, Grid.id, Grid.name, Community.id,
               Community.name)
        .join(Grid, Section.grid_id == Grid.id).join(Community, Grid.community_id == Community.id)
        .where(Section.boundary.is_not(None), Section.is_active.is_(True), Grid.is_active.is_(True),
               Community.is_active.is_(True))
        .order_by(Section.id)
    ).all()
    if not rows:
        return SectionIndex(token, [], np.array([]), None)
    shapes = shapely.from_geojson(np.array([row[2] for row in rows], dtype=object))
    shapely.prepare(shapes)
    entries = [Entry(r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows]
    return SectionIndex(token, entries, shapes, shapely.STRtree(shapes))


def get() -> SectionIndex:
    """This process's index, rebuilt first if boundaries changed anywhere."""
    token = current_token()
    holder = current_app.extensions.setdefault("place_index", {"index": _EMPTY})
    index = holder["index"]
    if index.token == token:
        return index
    with _lock:
        index = holder["index"]
        if index.token != token:
            index = build(token)
            holder["index"] = index
    return index
