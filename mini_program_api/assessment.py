"""Department assessment (部门考核): the departments' figures and ranking for streets and the
county, the streets' quarterly grades, and the annual export."""

from __future__ import annotations

import marshmallow as ma
from flask_jwt_extended import current_user

from mini_program_api.schemas.common import Day, QueryId, Text
from server import clock
from server.assessment import service
from server.http import Blueprint, StrictSchema, bounded_id, login_required, sheet_response
from server.sheets import CONTENT_TYPES

blp = Blueprint("assessment", __name__, url_prefix="/api/v1",
                description="部门考核 Department assessment")

QUARTER = ma.validate.Regexp(r"^20[0-9]{2}-Q[1-4]$", error="a quarter such as 2026-Q4")


class AssessmentArgs(StrictSchema):
    start = Day(load_default=None, metadata={"description": "first local day (default: 1 January "
                                                            "of the end's year)"})
    end = Day(load_default=None, metadata={"description": "last local day, included (default: today)"})
    street_id = QueryId(load_default=None, metadata={
        "description": "one street (county and admin: any; street staff: their own)"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "xlsx", "csv"]))


class GradeOut(ma.Schema):
    street_id = ma.fields.Integer()
    department_id = ma.fields.Integer()
    quarter = ma.fields.String()
    grade = ma.fields.String()
    comment = ma.fields.String(allow_none=True)


class DepartmentFiguresOut(ma.Schema):
    rank = ma.fields.Integer()
    department_id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    whistles = ma.fields.Integer(metadata={"description": "whistles blown to it in the window"})
    reported = ma.fields.Integer(metadata={"description": "whistles it reported for (报到)"})
    median_report_minutes = ma.fields.Float(allow_none=True)
    due = ma.fields.Integer(metadata={"description": "whistles answered or past their deadline"})
    on_time = ma.fields.Integer()
    on_time_rate = ma.fields.Float(allow_none=True)
    open_overdue = ma.fields.Integer()
    accepted = ma.fields.Integer(metadata={"description": "answers the committee approved"})
    returned = ma.fields.Integer(metadata={"description": "answers the committee returned"})
    rated = ma.fields.Integer()
    satisfied = ma.fields.Integer()
    satisfaction_rate = ma.fields.Float(allow_none=True)
    grades = ma.fields.List(ma.fields.Nested(GradeOut))
    grade_score = ma.fields.Float(allow_none=True, metadata={
        "description": "mean of the streets' grades, the best grade scoring the number of grades"})


class AssessmentOut(ma.Schema):
    start = ma.fields.String()
    end = ma.fields.String()
    street_ids = ma.fields.List(ma.fields.Integer(), allow_none=True,
                                metadata={"description": "null: every street"})
    grade_scale = ma.fields.List(ma.fields.String())
    items = ma.fields.List(ma.fields.Nested(DepartmentFiguresOut))


class GradeIn(StrictSchema):
    quarter = ma.fields.String(required=True, validate=QUARTER)
    grade = Text(16, min_length=1, required=True,
                 metadata={"description": "one of the configured grades (好/较好/一般/较差/差/很差)"})
    comment = Text(500, load_default=None, allow_none=True)
    street_id = QueryId(load_default=None, metadata={
        "description": "needed only by staff of several streets"})


class GradesArgs(StrictSchema):
    quarter = ma.fields.String(load_default=None, validate=QUARTER)
    street_id = QueryId(load_default=None)


class GradesOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(GradeOut))


@blp.get("/departments/assessment")
@login_required(blp)
@blp.arguments(AssessmentArgs, location="query")
@blp.response(200, AssessmentOut)
@blp.download(*CONTENT_TYPES.values(), json_schema=AssessmentOut(),
              description="JSON (format=json), XLSX (format=xlsx) or CSV file")
@blp.errors(403, 404, 422)
def assessment(args):
    """Each department's whistles, time to report, on-time rate, the committee's verdicts,
    residents' satisfaction and the streets' grades, ranked (street staff: their street's
    whistles; county and admin: every street or one)."""
    fmt = args.pop("format")
    data = service.figures(user=current_user, now=clock.now(), **args)
    if fmt == "json":
        return data
    body = service.to_xlsx(data) if fmt == "xlsx" else service.to_csv(data)
    return sheet_response(body, fmt, f"department-assessment-{data['start']}-{data['end']}.{fmt}")


@blp.post("/departments/<int:department_id>/grades")
@login_required(blp)
@blp.arguments(GradeIn)
@blp.response(201, GradeOut)
@blp.errors(403, 404, 409, 422)
def grade(body, department_id: int):
    """A street grades a department it blew the whistle to in that quarter, once (409 40970
    after; 40971 when it blew no whistle to it that quarter)."""
    return service.grade(user=current_user, department_id=bounded_id(department_id),
                         now=clock.now(), **body)


@blp.get("/departments/grades")
@login_required(blp)
@blp.arguments(GradesArgs, location="query")
@blp.response(200, GradesOut)
@blp.errors(403, 404, 422)
def grades(args):
    """The quarterly grades (street staff: their street's; county and admin: all)."""
    return {"items": service.grades(user=current_user, **args)}
