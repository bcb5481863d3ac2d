from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.common import Id, LocalDateTime, Moment, QueryId, Text
from server.http import PageArgs, StrictSchema
from server.inservice.enums import GRADE_LABELS, REGISTRATION_LABELS, Grade, RegistrationStatus
from server.privacy import mask_phone


class RegisterIn(StrictSchema):
    name = Text(32, min_length=2, required=True)
    work_unit = Text(100, min_length=2, required=True)
    party_branch = Text(100, min_length=2, required=True)
    community_id = Id(required=True)
    section_id = Id(required=True)
    skills = ma.fields.List(Text(32, min_length=1), validate=ma.validate.Length(max=10),
                            load_default=list)
    phone = ma.fields.String(
        load_default=None, allow_none=True,
        validate=ma.validate.Regexp(r"^1[3-9]\d{9}$", error="手机号格式不正确"),
        metadata={"description": "mainland mobile; ignored when a phone is bound"},
    )


class RegistrationArgs(PageArgs):
    status = ma.fields.String(load_default=None,
                              validate=ma.validate.OneOf([s.value for s in RegistrationStatus]))
    community_id = QueryId(load_default=None)


class RejectIn(StrictSchema):
    reason = Text(500, min_length=1, required=True)


class EvaluationIn(StrictSchema):
    year = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(2000, 2100))
    grade = ma.fields.String(required=True, validate=ma.validate.OneOf([g.value for g in Grade]))
    comment = Text(500, load_default=None, allow_none=True)


def _mask_phone(obj) -> str:
    return mask_phone(obj.phone) or ""


class RegistrationOut(ma.Schema):
    """For the applicant and the committee that reviews them (phone masked even so)."""

    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.Function(_mask_phone)
    work_unit = ma.fields.String()
    party_branch = ma.fields.String()
    skills = ma.fields.List(ma.fields.String())
    community_id = ma.fields.Integer()
    community_name = ma.fields.String(attribute="community.name")
    section_id = ma.fields.Integer()
    section_name = ma.fields.String(attribute="section.name")
    status = ma.fields.String()
    status_label = ma.fields.Function(lambda r: REGISTRATION_LABELS[RegistrationStatus(r.status)])
    team_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    reviewed_at = LocalDateTime(allow_none=True)
    ended_at = LocalDateTime(allow_none=True)


class EvaluationOut(ma.Schema):
    registration_id = ma.fields.Integer()
    year = ma.fields.Integer()
    grade = ma.fields.String()
    grade_label = ma.fields.Function(lambda e: GRADE_LABELS[Grade(e.grade)])
    comment = ma.fields.String(allow_none=True)
    updated_at = LocalDateTime()


class ActivityIn(StrictSchema):
    title = Text(100, min_length=2, required=True)
    community_id = Id(required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    capacity = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(1, 10000))
    hours = ma.fields.Float(required=True, validate=ma.validate.Range(0.5, 24))
    description = Text(2000, load_default=None, allow_none=True)
    place = Text(200, load_default=None, allow_none=True)


class ActivityEditIn(StrictSchema):
    """Only what changes; capacity never below the seats taken."""

    title = Text(100, min_length=2)
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(1, 10000))
    description = Text(2000, allow_none=True)
    place = Text(200, allow_none=True)


class ActivityCancelIn(StrictSchema):
    reason = Text(500, min_length=1, required=True)


class EndRegistrationIn(StrictSchema):
    reason = Text(500, load_default=None, allow_none=True,
                  metadata={"description": "required when the committee ends it"})


class ActivityArgs(PageArgs):
    community_id = QueryId(load_default=None)


class AttendanceIn(StrictSchema):
    member_ids = ma.fields.List(Id(), required=True, validate=ma.validate.Length(min=1, max=500))


class ActivityOut(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    capacity = ma.fields.Integer()
    taken = ma.fields.Integer()
    remaining = ma.fields.Function(lambda a: max(a.capacity - a.taken, 0))
    hours = ma.fields.Float()
    place = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    cancelled_at = LocalDateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)


class SignupOut(ma.Schema):
    activity_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    status = ma.fields.String()
    attended = ma.fields.Boolean()
    hours = ma.fields.Float()
    signed_up_at = LocalDateTime()
    withdrawn_at = LocalDateTime(allow_none=True)


class ActivityDetailOut(ma.Schema):
    activity = ma.fields.Nested(ActivityOut)
    my_signup = ma.fields.Nested(SignupOut, allow_none=True)


class SignupRowOut(ma.Schema):
    user_id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    attended = ma.fields.Boolean()
    hours = ma.fields.Float()
    signed_up_at = LocalDateTime()


class AttendedActivityOut(ma.Schema):
    activity = ma.fields.Nested(ActivityOut)
    status = ma.fields.String()
    attended = ma.fields.Boolean()
    hours = ma.fields.Float()


class RatingRefOut(ma.Schema):
    resolved = ma.fields.Boolean()
    satisfaction = ma.fields.String()


class HandledRequestOut(ma.Schema):
    id = ma.fields.Integer()
    no = ma.fields.String()
    status = ma.fields.String()
    closed_at = LocalDateTime(allow_none=True)
    rating = ma.fields.Nested(RatingRefOut, allow_none=True)


class ServiceRecordOut(ma.Schema):
    registrations = ma.fields.List(ma.fields.Nested(RegistrationOut))
    year = ma.fields.Integer()
    hours_total = ma.fields.Float()
    hours_this_year = ma.fields.Float()
    activities_attended = ma.fields.Integer()
    activities = ma.fields.List(ma.fields.Nested(AttendedActivityOut))
    requests = ma.fields.List(ma.fields.Nested(HandledRequestOut))
    evaluations = ma.fields.List(ma.fields.Nested(EvaluationOut))


class ReportArgs(StrictSchema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(2000, 2100))
    work_unit = Text(100, load_default=None)
    format = ma.fields.String(load_default="json",
                              validate=ma.validate.OneOf(["json", "csv", "xlsx"]))


class ReportRowOut(ma.Schema):
    year = ma.fields.Integer()
    name = ma.fields.String()
    work_unit = ma.fields.String()
    party_branch = ma.fields.String()
    community = ma.fields.String()
    section = ma.fields.String()
    status = ma.fields.String()
    registered_at = LocalDateTime(allow_none=True)
    hours = ma.fields.Float()
    activities = ma.fields.Integer()
    requests_handled = ma.fields.Integer()
    requests_rated = ma.fields.Integer()
    satisfaction_rate = ma.fields.Float(allow_none=True)
    yellow_cards = ma.fields.Integer(metadata={"description": "warning cards of the year (亮牌), not revoked"})
    red_cards = ma.fields.Integer()
    evaluation = ma.fields.String(allow_none=True)
    evaluation_comment = ma.fields.String(allow_none=True)


class ReportOut(ma.Schema):
    year = ma.fields.Integer()
    work_unit = ma.fields.String(allow_none=True)
    rows = ma.fields.List(ma.fields.Nested(ReportRowOut))
