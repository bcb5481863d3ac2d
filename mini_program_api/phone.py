"""The caller's phone number, and a resident's phone for those who handle their request."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from mini_program_api.schemas.common import Text
from server import clock
from server.accounts import phone
from server.http import Blueprint, StrictSchema, bounded_id, login_required
from server.requests.contact import contact

blp = Blueprint("phone", __name__, url_prefix="/api/v1", description="手机号 Phone number")


class PhoneIn(StrictSchema):
    """Exactly one of ``code`` (verified by WeChat) or ``phone`` (typed, unverified)."""

    code = Text(128, min_length=1, metadata={"description": "the code of a getPhoneNumber button"})
    phone = Text(20, min_length=1, metadata={"description": "a typed mainland mobile (fallback)"})

    @ma.validates_schema
    def _exactly_one(self, data, **_kwargs):
        if ("code" in data) == ("phone" in data):
            raise ma.ValidationError("give either code or phone", "_schema")


class PhoneOut(ma.Schema):
    phone = ma.fields.Function(lambda user: phone.mask(user.phone),
                               metadata={"description": "masked: 138****1234"})
    phone_bound = ma.fields.Function(lambda user: bool(user.phone))
    phone_verified = ma.fields.Boolean()


class ContactOut(ma.Schema):
    phone = ma.fields.String(allow_none=True)
    masked = ma.fields.Boolean(metadata={"description": "false only for the handler of an open "
                                         "request and the committee; every such read is recorded"})


@blp.post("/me/phone")
@login_required(blp)
@blp.arguments(PhoneIn)
@blp.response(200, PhoneOut)
@blp.errors(422, 502, 503)
def bind_phone(body):
    """Bind the caller's phone: from a getPhoneNumber code (checked against our appid), or
    typed (kept unverified: it never links the account to people imported by phone)."""
    if "phone" in body:
        return phone.type_in(user=current_user, phone=body["phone"], now=clock.now())
    return phone.bind(user=current_user, code=body["code"], now=clock.now())


@blp.get("/requests/<int:request_id>/contact")
@login_required(blp)
@blp.response(200, ContactOut)
@blp.errors(404)
def request_contact(request_id: int):
    """The resident's phone: unmasked for the handler of the open request and its committee."""
    return contact(request_id=bounded_id(request_id), viewer=current_user, now=clock.now())
