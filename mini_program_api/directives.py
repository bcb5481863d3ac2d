"""Top-down tasks (任务列单 / 责任上单): listed by the county, a street or a committee; each target
community's committee names a team or member, and the work runs as a request (channel ``task``)."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from mini_program_api.schemas.common import Id, LocalDateTime, Moment, Text
from server import clock
from server.directives import service
from server.directives.service import MAX_TARGETS
from server.http import Blueprint, StrictSchema, bounded_id, login_required

blp = Blueprint("directives", __name__, url_prefix="/api/v1",
                description="任务列单 Tasks from above")


class DirectiveIn(StrictSchema):
    title = Text(64, min_length=2, required=True, metadata={"example": "清扫幸福路积雪"})
    description = Text(2000, min_length=2, required=True)
    category_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    deadline = Moment(required=True, metadata={"description": "when the work must be done"})
    community_ids = ma.fields.List(Id(), required=True,
                                   validate=ma.validate.Length(min=1, max=MAX_TARGETS))
    is_public = ma.fields.Boolean(load_default=False, metadata={
        "description": "results on the sunlight list (成绩晒单)"})


class DesignateIn(StrictSchema):
    team_id = Id(load_default=None, metadata={"description": "a team of the community, or"})
    member_id = Id(load_default=None, metadata={"description": "a member of one of its teams"})


class TargetOut(ma.Schema):
    community_id = ma.fields.Integer()
    community = ma.fields.String(allow_none=True)
    team_id = ma.fields.Integer(allow_none=True)
    team = ma.fields.String(allow_none=True)
    member_id = ma.fields.Integer(allow_none=True)
    member = ma.fields.String(allow_none=True)
    designated_at = LocalDateTime(allow_none=True)
    request_id = ma.fields.Integer(allow_none=True)
    request_no = ma.fields.String(allow_none=True)
    status = ma.fields.String(allow_none=True)
    status_label = ma.fields.String()
    light = ma.fields.String(allow_none=True)


class DirectiveOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    category_id = ma.fields.Integer()
    deadline = LocalDateTime()
    level = ma.fields.String(metadata={"description": "county | street | committee: who listed it"})
    street_id = ma.fields.Integer(allow_none=True)
    is_public = ma.fields.Boolean()
    created_at = LocalDateTime()
    targets = ma.fields.List(ma.fields.Nested(TargetOut))


class DirectivesOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DirectiveOut))


@blp.post("/directives")
@login_required(blp)
@blp.arguments(DirectiveIn)
@blp.response(201, DirectiveOut)
@blp.errors(403, 422)
def create(body):
    """List a task for communities (county: any; street: its own; committee: its own)."""
    now = clock.now()
    return service.view(service.create(user=current_user, now=now, **body), now)


@blp.get("/directives")
@login_required(blp)
@blp.response(200, DirectivesOut)
@blp.errors(403)
def listing():
    """Tasks the caller listed or that target their communities, newest first, with each
    community's owner and the state of its work."""
    now = clock.now()
    return {"items": [service.view(d, now) for d in service.listing(user=current_user)]}


@blp.get("/directives/<int:directive_id>")
@login_required(blp)
@blp.response(200, DirectiveOut)
@blp.errors(404)
def detail(directive_id: int):
    """One task with each community's owner and the state of its work."""
    now = clock.now()
    return service.view(service.get(user=current_user, directive_id=bounded_id(directive_id)), now)


@blp.post("/directives/<int:directive_id>/communities/<int:community_id>/designate")
@login_required(blp)
@blp.arguments(DesignateIn)
@blp.response(200, DirectiveOut)
@blp.errors(403, 404, 409, 422)
def designate(body, directive_id: int, community_id: int):
    """责任上单: the community's committee names the team or member who answers for the task;
    the work starts as a request dispatched to them (once: 409 40990 after)."""
    now = clock.now()
    service.designate(user=current_user, directive_id=bounded_id(directive_id),
                      community_id=bounded_id(community_id), now=now, **body)
    return service.view(service.get(user=current_user, directive_id=directive_id), now)
