"""包保买单: the units and leaders that answer for a community, and what they answered for."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from mini_program_api.schemas.common import Day, Id, LocalDateTime, Text
from server import clock
from server.assessment import guarantors as service
from server.http import Blueprint, StrictSchema, bounded_id, login_required, sheet_response
from server.sheets import CONTENT_TYPES

blp = Blueprint("guarantors", __name__, url_prefix="/api/v1", description="包保 Guarantors")


class GuarantorIn(StrictSchema):
    department_id = Id(load_default=None, allow_none=True,
                       metadata={"description": "the 包保 department (its name is the unit's)"})
    unit_name = Text(64, min_length=1, load_default=None, allow_none=True,
                     metadata={"description": "the 包保 unit, when it is not a department"})
    leader_name = Text(32, min_length=1, required=True, metadata={"description": "包保领导"})
    leader_user_id = Id(load_default=None, allow_none=True, metadata={
        "description": "the leader's account: told of the community's red lights"})
    starts_on = Day(required=True)
    ends_on = Day(load_default=None, allow_none=True, metadata={"description": "null: open"})


class GuarantorPatch(StrictSchema):
    department_id = Id(allow_none=True)
    unit_name = Text(64, min_length=1)
    leader_name = Text(32, min_length=1)
    leader_user_id = Id(allow_none=True)
    starts_on = Day()
    ends_on = Day(allow_none=True)


class GuarantorOut(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    department_id = ma.fields.Integer(allow_none=True)
    unit_name = ma.fields.String()
    leader_name = ma.fields.String()
    leader_user_id = ma.fields.Integer(allow_none=True)
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True)
    created_at = LocalDateTime()


class GuarantorsOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(GuarantorOut))


class AnsweredArgs(StrictSchema):
    start = Day(load_default=None, metadata={"description": "first local day (default: 1 January)"})
    end = Day(load_default=None, metadata={"description": "last local day, included (default: today)"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "xlsx", "csv"]))


class AnsweredItemOut(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    community_name = ma.fields.String()
    unit_name = ma.fields.String()
    leader_name = ma.fields.String()
    starts_on = ma.fields.String()
    ends_on = ma.fields.String(allow_none=True)
    red_lights = ma.fields.Integer(metadata={"description": "requests of the community that "
                                             "turned red while the unit answered for it"})
    closed = ma.fields.Integer()
    still_open = ma.fields.Integer()
    rated = ma.fields.Integer()
    satisfied = ma.fields.Integer()
    yellow_cards = ma.fields.Integer(metadata={"description": "warning cards of the community, "
                                               "its teams and members in the term, not revoked"})
    red_cards = ma.fields.Integer()


class AnsweredOut(ma.Schema):
    start = ma.fields.String()
    end = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(AnsweredItemOut))


@blp.get("/communities/<int:community_id>/guarantors")
@login_required(blp)
@blp.response(200, GuarantorsOut)
@blp.errors(403, 404)
def listing(community_id: int):
    """The community's 包保 units, current and past (admin, county, the community's street)."""
    return {"items": service.list_for(user=current_user, community_id=bounded_id(community_id))}


@blp.post("/communities/<int:community_id>/guarantors")
@login_required(blp)
@blp.arguments(GuarantorIn)
@blp.response(201, GuarantorOut)
@blp.errors(403, 404, 422)
def create(body, community_id: int):
    """Name the unit (a department or another) and the leader that answer for the community."""
    return service.create(user=current_user, community_id=bounded_id(community_id),
                          now=clock.now(), **body)


@blp.patch("/guarantors/<int:guarantor_id>")
@login_required(blp)
@blp.arguments(GuarantorPatch)
@blp.response(200, GuarantorOut)
@blp.errors(404, 422)
def update(body, guarantor_id: int):
    """Change the leader or the dates (e.g. end it); audited."""
    return service.update(user=current_user, guarantor_id=bounded_id(guarantor_id),
                          now=clock.now(), **body)


@blp.get("/guarantors/assessment")
@login_required(blp)
@blp.arguments(AnsweredArgs, location="query")
@blp.response(200, AnsweredOut)
@blp.download(*CONTENT_TYPES.values(), json_schema=AnsweredOut(),
              description="JSON (format=json), XLSX (format=xlsx) or CSV file")
@blp.errors(403, 422)
def answered(args):
    """Per 包保 unit: the red lights of its community while it answered for it, and how they
    ended (street staff: their street's; county and admin: all)."""
    fmt = args.pop("format")
    data = service.assessment(user=current_user, now=clock.now(), **args)
    if fmt == "json":
        return data
    body = service.to_xlsx(data) if fmt == "xlsx" else service.to_csv(data)
    return sheet_response(body, fmt, f"guarantors-{data['start']}-{data['end']}.{fmt}")
