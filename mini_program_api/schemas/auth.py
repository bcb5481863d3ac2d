from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.common import Text
from server.http import StrictSchema


class WeChatLoginIn(StrictSchema):
    code = Text(128, min_length=1, required=True, metadata={"description": "wx.login code"})


class UserOut(ma.Schema):
    id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)
    roles = ma.fields.List(ma.fields.String())
    home_community_id = ma.fields.Integer(allow_none=True)
    home_section_id = ma.fields.Integer(allow_none=True)
    # /me passes a dict, login a User: read "phone" from either.
    phone_bound = ma.fields.Function(lambda user: bool(ma.utils.get_value(user, "phone")))


class TokensOut(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    user = ma.fields.Nested(UserOut)


class TeamRefOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    post = ma.fields.String()
    community_id = ma.fields.Integer()


class InServiceProfileOut(ma.Schema):
    """A pending or approved in-service registration (在职党员报到)."""

    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    section_id = ma.fields.Integer()
    work_unit = ma.fields.String()
    party_branch = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending | approved"})


class MeOut(UserOut):
    phone = ma.fields.String(allow_none=True, metadata={"description": "masked: 138****1234"})
    teams = ma.fields.List(ma.fields.Nested(TeamRefOut))
    committee_of = ma.fields.List(ma.fields.Integer())
    street_of = ma.fields.List(ma.fields.Integer(), metadata={
        "description": "streets whose staff the caller is (role street)"})
    inservice = ma.fields.List(ma.fields.Nested(InServiceProfileOut))
