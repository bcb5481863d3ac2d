"""Synthetic data gets a Voronoi tessellation: every section shaped, every request inside its own."""

from __future__ import annotations

import shapely
from sqlalchemy import select

from seed.synthetic import SCALES, generate
from server.extensions import db
from server.grid.models import Section
from server.place import cells, geometry, index
from server.requests.models import Request


def test_every_synthetic_section_is_shaped_and_its_requests_locate_back_to_it(ctx, clock):
    counts = generate(scale=SCALES["tiny"], now=clock.now(), seed=7)
    sections = db.session.scalars(select(Section)).all()
    assert len(sections) == counts["sections"] and all(s.boundary for s in sections)
    shapes = [geometry.loads(s.boundary) for s in sections]
    union = shapely.union_all(shapes)
    assert abs(union.area - sum(s.area for s in shapes)) < 1e-9  # a tiling: no overlaps
    located = index.get()
    assert len(located.entries) == counts["sections"]
    for request in db.session.scalars(select(Request).limit(100)):
        assert located.locate(request.lat, request.lng).section_id == request.section_id
        assert request.cell == cells.cell_of(request.lat, request.lng)
