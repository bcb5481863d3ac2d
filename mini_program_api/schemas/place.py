"""Schemas of place: points, located sections, boundary imports."""

from __future__ import annotations

import marshmallow as ma

from server.http import StrictSchema
from server.place.coords import CoordSystem

COORD_SYSTEMS = [s.value for s in CoordSystem]


def Lat(**kwargs) -> ma.fields.Float:  # noqa: N802 - reads like a field class
    return ma.fields.Float(validate=ma.validate.Range(-90, 90), allow_nan=False, **kwargs)


def Lng(**kwargs) -> ma.fields.Float:  # noqa: N802
    return ma.fields.Float(validate=ma.validate.Range(-180, 180), allow_nan=False, **kwargs)


def CoordSystemField(**kwargs) -> ma.fields.String:  # noqa: N802
    return ma.fields.String(load_default=CoordSystem.WGS84.value,
                            validate=ma.validate.OneOf(COORD_SYSTEMS),
                            metadata={"description": "wgs84 (GPS, default), gcj02 (wx.chooseLocation, "
                                                     "Tencent, Gaode) or bd09 (Baidu)"}, **kwargs)


class PointArgs(StrictSchema):
    lat = Lat(required=True)
    lng = Lng(required=True)
    coord_system = CoordSystemField()


class NamedOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class LocatedOut(ma.Schema):
    community = ma.fields.Function(lambda e: {"id": e.community_id, "name": e.community_name},
                                   metadata={"type": "object"})
    grid = ma.fields.Function(lambda e: {"id": e.grid_id, "name": e.grid_name},
                              metadata={"type": "object"})
    section = ma.fields.Function(lambda e: {"id": e.section_id, "name": e.section_name},
                                 metadata={"type": "object"})


class BoundaryImportArgs(StrictSchema):
    dry_run = ma.fields.Boolean(load_default=False)
    coord_system = CoordSystemField()


class ProblemOut(ma.Schema):
    feature = ma.fields.Integer()
    label = ma.fields.String()
    reason = ma.fields.String(attribute="zh")
    reason_en = ma.fields.String(attribute="en")


class BoundaryImportOut(ma.Schema):
    features = ma.fields.Integer()
    dry_run = ma.fields.Boolean()
    coord_system = ma.fields.String()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            metadata={"description": "sections and grids whose shape changed; "
                                                     "unchanged (all unchanged on a re-import)"})
    warnings = ma.fields.List(ma.fields.Nested(ProblemOut),
                              metadata={"description": "tolerated slivers of overlap"})
