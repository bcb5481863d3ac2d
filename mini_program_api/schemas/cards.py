"""Schemas of the warning cards (亮牌) and their rules."""

from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.common import LocalDateTime, Text
from server import clock
from server.cards.enums import COLOUR_LABELS, STANDING, STATUS_LABELS, CardStatus, Colour, Kind, Level
from server.cards.service import holder_name
from server.http import StrictSchema

_KIND_HELP = ("team_red_lights {min_red} | team_satisfaction {below, min_ratings} | "
              "member_overdue {min_overdue} | second_yellow {yellows?} | community_rates "
              "{response_below?, resolution_below?, satisfaction_below?, min_requests?}; rates "
              "are fractions 0..1")


class RuleIn(StrictSchema):
    name = Text(64, min_length=1, required=True, metadata={"description": "shown to holders, zh-CN"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in Kind]),
                            metadata={"description": _KIND_HELP})
    level = ma.fields.String(required=True, validate=ma.validate.OneOf([v.value for v in Level]))
    colour = ma.fields.String(required=True, validate=ma.validate.OneOf([c.value for c in Colour]))
    params = ma.fields.Dict(keys=ma.fields.String(), load_default=dict,
                            metadata={"description": "thresholds of the kind"})
    window_days = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=366),
                                    required=True, metadata={"description": "days looked back over"})
    expiry_days = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=366),
                                    required=True, metadata={"description": "days a card lasts"})
    public = ma.fields.Boolean(load_default=False, metadata={
        "description": "a team's card shows on the public community page (team rules only)"})


class RulePatch(StrictSchema):
    name = Text(64, min_length=1)
    colour = ma.fields.String(validate=ma.validate.OneOf([c.value for c in Colour]))
    params = ma.fields.Dict(keys=ma.fields.String())
    window_days = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=366))
    expiry_days = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=366))
    public = ma.fields.Boolean()


class RuleOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    level = ma.fields.String()
    colour = ma.fields.String()
    params = ma.fields.Dict()
    window_days = ma.fields.Integer()
    expiry_days = ma.fields.Integer()
    public = ma.fields.Boolean()
    is_active = ma.fields.Boolean()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    retired_at = LocalDateTime(allow_none=True)


class RuleListOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RuleOut))


class RuleRefOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()


class CardsArgs(StrictSchema):
    standing = ma.fields.Boolean(load_default=False, metadata={
        "description": "only cards that stand now (not revoked, not expired)"})
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def _standing(card) -> bool:
    return card.status in STANDING and card.expires_at > clock.now()


class CardOut(ma.Schema):
    id = ma.fields.Integer()
    rule = ma.fields.Nested(RuleRefOut)
    level = ma.fields.String(metadata={"description": "team | member | community"})
    holder_id = ma.fields.Integer(metadata={"description": "the team, user or community"})
    holder_name = ma.fields.Method("_holder_name")
    community_id = ma.fields.Integer()
    period = ma.fields.String()
    colour = ma.fields.String()
    colour_label = ma.fields.Function(lambda c: COLOUR_LABELS[Colour(c.colour)])
    reason = ma.fields.String()
    evidence = ma.fields.Dict(allow_none=True)
    status = ma.fields.String(metadata={"description": "active | appealed | upheld | revoked"})
    status_label = ma.fields.Function(lambda c: STATUS_LABELS[CardStatus(c.status)])
    standing = ma.fields.Function(_standing, metadata={"type": "boolean", "description":
                                                       "not revoked and not expired"})
    issued_at = LocalDateTime()
    expires_at = LocalDateTime()
    appeal_reason = ma.fields.String(allow_none=True)
    appealed_by_id = ma.fields.Integer(allow_none=True)
    appealed_at = LocalDateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)

    def _holder_name(self, card) -> str:
        return holder_name(card)


class AppealIn(StrictSchema):
    reason = Text(500, min_length=1, required=True)


class DecisionIn(StrictSchema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["uphold", "revoke"]),
                                metadata={"description": "uphold: the card stands (维持); "
                                                         "revoke: it is void (撤销)"})
    reason = Text(500, min_length=1, required=True)
