"""A street's weekly meeting packs (每周会商): stored by the hourly job, read by the street's
staff, the county and the admin, as JSON or XLSX."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from mini_program_api.schemas.common import LocalDateTime, QueryId
from server.assessment import meeting
from server.http import Blueprint, StrictSchema, bounded_id, login_required, sheet_response
from server.sheets import CONTENT_TYPES

blp = Blueprint("meeting", __name__, url_prefix="/api/v1", description="每周会商 Meeting packs")

class PacksArgs(StrictSchema):
    street_id = QueryId(load_default=None)


class PackSummaryOut(ma.Schema):
    id = ma.fields.Integer()
    street_id = ma.fields.Integer()
    week_start = ma.fields.Function(lambda p: p.data["week_start"])
    week_end = ma.fields.Function(lambda p: p.data["week_end"])
    red_lights = ma.fields.Function(lambda p: len(p.data["red_lights"]))
    overdue_whistles = ma.fields.Function(lambda p: len(p.data["overdue_whistles"]))
    outliers = ma.fields.Function(lambda p: len(p.data["outliers"]))
    created_at = LocalDateTime()


class PacksOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PackSummaryOut))


class PackArgs(StrictSchema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "xlsx"]))


class PackOut(ma.Schema):
    id = ma.fields.Integer()
    street_id = ma.fields.Integer()
    data = ma.fields.Dict(metadata={
        "description": "street, week_start, week_end, communities (last week's figures each), "
                       "outliers (rate beyond 1.5 IQR of the street's communities), red_lights "
                       "and overdue_whistles open when the pack was made"})
    created_at = LocalDateTime()


@blp.get("/meeting-packs")
@login_required(blp)
@blp.arguments(PacksArgs, location="query")
@blp.response(200, PacksOut)
@blp.errors(403, 422)
def packs(args):
    """The stored packs, newest first (street staff: their streets'; county and admin: all)."""
    return {"items": meeting.packs(user=current_user, **args)}


@blp.get("/meeting-packs/<int:pack_id>")
@login_required(blp)
@blp.arguments(PackArgs, location="query")
@blp.response(200, PackOut)
@blp.download(CONTENT_TYPES["xlsx"], json_schema=PackOut(), description="JSON, or the pack as XLSX (format=xlsx)")
@blp.errors(403, 404, 422)
def pack(args, pack_id: int):
    """One pack; ``format=xlsx``: a workbook with the figures, outliers, red lights and overdue
    whistles, for the meeting."""
    found = meeting.pack(user=current_user, pack_id=bounded_id(pack_id))
    if args["format"] == "json":
        return found
    return sheet_response(meeting.to_xlsx(found.data), "xlsx",
                          f"meeting-pack-{found.street_id}-{found.data['week_start']}.xlsx")
