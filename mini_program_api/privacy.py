"""The committee's view of who read residents' personal data about its community's requests."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from mini_program_api.schemas.common import LocalDateTime
from server.accounts import service as accounts
from server.accounts.enums import Role
from server.errors import Forbidden, NotFound
from server.http import MAX_ID, Blueprint, StrictSchema, bounded_id, login_required, page_schema
from server.requests import reads

blp = Blueprint("privacy", __name__, url_prefix="/api/v1",
                description="个人信息查阅记录 Reads of personal data (committee)")


class ReadsArgs(StrictSchema):
    kind = ma.fields.String(load_default="detail", validate=ma.validate.OneOf(reads.KINDS),
                            metadata={"description": "detail: exact address, point or photos; "
                                      "phone: unmasked phone numbers"})
    request_id = ma.fields.Integer(load_default=None, allow_none=True,
                                   validate=ma.validate.Range(min=1, max=MAX_ID))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class ViewerOut(ma.Schema):
    user_id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)


class ReadOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    request_id = ma.fields.Integer()
    request_no = ma.fields.String(allow_none=True)
    relation = ma.fields.String(metadata={"description": "committee, handler or team"})
    viewer = ma.fields.Nested(ViewerOut)
    created_at = LocalDateTime()


@blp.get("/communities/<int:community_id>/personal-reads")
@login_required(blp)
@blp.arguments(ReadsArgs, location="query")
@blp.response(200, page_schema(ReadOut))
@blp.errors(403, 404, 422)
def personal_reads(args, community_id: int):
    """Who read a resident's exact address, point or photos (``kind=detail``: the first read of
    each viewer, request and day) or unmasked phone (``kind=phone``: every read), about which
    request and when; newest first. For the community's committee."""
    community_id = bounded_id(community_id)
    if not accounts.is_committee_of(current_user, community_id):
        if Role.COMMITTEE in current_user.roles:
            raise NotFound("社区不存在或不在您的管辖范围")
        raise Forbidden("仅本社区两委可查看")
    kind, request_id = args.pop("kind"), args.pop("request_id")
    return reads.community_reads(community_id=community_id, kind=kind, request_id=request_id,
                                 page=args)
