"""Subscribe messages: the templates to ask for, and the user's answers (one-time credits)."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from server import clock
from server.http import Blueprint, StrictSchema, login_required
from server.notifications import subscribe

blp = Blueprint("subscriptions", __name__, url_prefix="/api/v1",
                description="订阅消息 Subscribe messages")

ANSWERS = ("accept", "reject", "ban", "filter")


class AnswersIn(StrictSchema):
    results = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=128)),
        values=ma.fields.String(validate=ma.validate.OneOf(ANSWERS)),
        required=True, validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "wx.requestSubscribeMessage's result: template id → "
                  "accept | reject | ban | filter", "minProperties": 1, "maxProperties": 20,
                  "propertyNames": {"minLength": 1, "maxLength": 128}},
    )


class TemplateOut(ma.Schema):
    kind = ma.fields.String()
    template_id = ma.fields.String()
    credits = ma.fields.Integer()


class TemplatesOut(ma.Schema):
    templates = ma.fields.List(ma.fields.Nested(TemplateOut))


def _templates_of(user) -> dict:
    credits = subscribe.credits_of(user.id)
    return {"templates": [
        {"kind": kind, "template_id": t["id"], "credits": credits.get(t["id"], 0)}
        for kind, t in sorted(subscribe.templates().items())
    ]}


@blp.get("/me/subscriptions")
@login_required(blp)
@blp.response(200, TemplatesOut)
def my_subscriptions():
    """The templates the mini-program may ask for, with the caller's credits for each."""
    return _templates_of(current_user)


@blp.post("/me/subscriptions")
@login_required(blp)
@blp.arguments(AnswersIn)
@blp.response(200, TemplatesOut)
@blp.errors(422)
def record_subscriptions(body):
    """Record the answers of wx.requestSubscribeMessage; each accept is one message's credit."""
    subscribe.record_answers(user=current_user, answers=body["results"], now=clock.now())
    return _templates_of(current_user)
