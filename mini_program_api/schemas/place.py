"""Schemas of place: points, located sections, boundary imports."""

from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.common import LocalDateTime
from server.http import StrictSchema
from server.place.coords import CoordSystem

COORD_SYSTEMS = [s.value for s in CoordSystem]


def Lat(**kwargs) -> ma.fields.Float:  # noqa: N802 - reads like a field class
    return ma.fields.Float(validate=ma.validate.Range(-90, 90), allow_nan=False, **kwargs)


def Lng(**kwargs) -> ma.fields.Float:  # noqa: N802
    return ma.fields.Float(validate=ma.validate.Range(-180, 180), allow_nan=False, **kwargs)


def CoordSystemField(**kwargs) -> ma.fields.String:  # noqa: N802
    kwargs.setdefault("load_default", CoordSystem.WGS84.value)
    return ma.fields.String(
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


class NearbyArgs(PointArgs):
    category_code = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=32))
    radius = ma.fields.Integer(load_default=None, strict=False, metadata={
        "description": "metres; default NEARBY_DEFAULT_M (50), at most NEARBY_MAX_M (500)"})


class CategoryRef(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class NearbyOut(ma.Schema):
    """An open request nearby: public fields only, its distance measured from the centre of
    its cell (about 50 m), never from its exact point."""

    id = ma.fields.Integer()
    no = ma.fields.String()
    category = ma.fields.Nested(CategoryRef)
    status = ma.fields.String()
    status_label = ma.fields.String()
    grid = ma.fields.String(allow_none=True)
    section = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True, metadata={"description": "only when public"})
    submitted_at = LocalDateTime()
    distance_m = ma.fields.Integer()
    supporters = ma.fields.Integer()
    supported = ma.fields.Boolean(metadata={"description": "the caller backs it"})
    own = ma.fields.Boolean(metadata={"description": "the caller filed it"})


class NearbyListOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NearbyOut))
    radius_m = ma.fields.Integer()


class MergeIn(StrictSchema):
    into = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "id of the original request"})
    note = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=500))
