"""Schemas of the duty roster, departments, whistles and light counts."""

from __future__ import annotations

import re

import marshmallow as ma

from mini_program_api.schemas.common import Id, LocalDateTime, Moment, QueryId, Text
from server.http import StrictSchema

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ShiftIn(StrictSchema):
    user_id = Id(required=True)
    weekday = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(0, 6),
                                metadata={"description": "0 = Monday … 6 = Sunday"})
    start = ma.fields.String(required=True, validate=ma.validate.Regexp(_HHMM),
                             metadata={"example": "08:00"})
    end = ma.fields.String(required=True, validate=ma.validate.Regexp(_HHMM),
                           metadata={"example": "24:00", "description": "local time, up to 24:00"})

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if _minutes(data["start"]) >= _minutes(data["end"]):
            raise ma.ValidationError("end must be after start (split shifts across midnight)",
                                     "end")

    @ma.post_load
    def _to_minutes(self, data, **kwargs):
        return {"user_id": data["user_id"], "weekday": data["weekday"],
                "start_minute": _minutes(data["start"]), "end_minute": _minutes(data["end"])}


class RosterIn(StrictSchema):
    shifts = ma.fields.List(ma.fields.Nested(ShiftIn), required=True,
                            validate=ma.validate.Length(max=500))


class ShiftOut(ma.Schema):
    id = ma.fields.Integer()
    team_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    weekday = ma.fields.Integer()
    start = ma.fields.Function(lambda s: _hhmm(s.start_minute))
    end = ma.fields.Function(lambda s: _hhmm(s.end_minute))


class LeaveIn(StrictSchema):
    user_id = Id(required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    reason = Text(200, load_default=None, allow_none=True)


class LeaveArgs(StrictSchema):
    user_id = QueryId(load_default=None)
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class LeaveOut(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    reason = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    cancelled_at = LocalDateTime(allow_none=True)


class OnDutyOut(ma.Schema):
    """A member on duty, for the committee (staff may see members' names)."""

    user_id = ma.fields.Function(lambda row: row[1].id)
    name = ma.fields.Function(lambda row: row[1].name or row[1].nickname)
    post = ma.fields.Function(lambda row: row[0].post)
    team_id = ma.fields.Function(lambda row: row[0].id)
    team_name = ma.fields.Function(lambda row: row[0].name)


class DepartmentOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    response_hours = ma.fields.Integer()


class WhistleOut(ma.Schema):
    id = ma.fields.Integer()
    department = ma.fields.Nested(DepartmentOut)
    note = ma.fields.String(allow_none=True)
    deadline = LocalDateTime()
    created_at = LocalDateTime()
    reported_at = LocalDateTime(allow_none=True)
    report_note = ma.fields.String(allow_none=True)
    responded_at = LocalDateTime(allow_none=True)
    response = ma.fields.String(allow_none=True)


class ReportBackIn(StrictSchema):
    note = Text(500, load_default=None, allow_none=True)


class LightCountOut(ma.Schema):
    green = ma.fields.Integer()
    yellow = ma.fields.Integer()
    red = ma.fields.Integer()


class LightGroupOut(LightCountOut):
    id = ma.fields.Integer()
    name = ma.fields.String()


class LightCountsOut(ma.Schema):
    totals = ma.fields.Nested(LightCountOut)
    teams = ma.fields.List(ma.fields.Nested(LightGroupOut))
    grids = ma.fields.List(ma.fields.Nested(LightGroupOut))
