"""In-service party members (在职党员报到): registration, review, the service record and the
yearly report to work units. Thin adapters over ``server.inservice``."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app
from flask_jwt_extended import current_user

from mini_program_api.schemas import inservice as schemas
from mini_program_api.schemas.requests import EmptyIn
from server import clock
from server.http import Blueprint, bounded_id, login_required, page_schema
from server.inservice import queries, reports, service
from server.sheets import CONTENT_TYPES

blp = Blueprint("inservice", __name__, url_prefix="/api/v1/inservice",
                description="在职党员报到 In-service party members")


@blp.post("/registrations")
@login_required(blp)
@blp.arguments(schemas.RegisterIn)
@blp.response(201, schemas.RegistrationOut)
@blp.errors(409, 422)
def register(body):
    """Register at the home community (pending until its committee reviews it)."""
    return service.register(user=current_user, now=clock.now(), **body)


@blp.get("/registrations")
@login_required(blp)
@blp.arguments(schemas.RegistrationArgs, location="query")
@blp.response(200, page_schema(schemas.RegistrationOut))
@blp.errors(403, 422)
def registrations(args):
    """Registrations of the caller's committee communities, e.g. ``?status=pending``."""
    return queries.registrations_to_review(current_user, args.pop("status"),
                                           args.pop("community_id"), args)


@blp.post("/registrations/<int:registration_id>/approve")
@login_required(blp)
@blp.arguments(EmptyIn, required=False)
@blp.response(200, schemas.RegistrationOut)
@blp.errors(403, 404, 409)
def approve(_body, registration_id: int):
    """Approve: the applicant becomes a member on the B post of their section."""
    return service.approve(actor=current_user, registration_id=bounded_id(registration_id),
                           now=clock.now())


@blp.post("/registrations/<int:registration_id>/reject")
@login_required(blp)
@blp.arguments(schemas.RejectIn)
@blp.response(200, schemas.RegistrationOut)
@blp.errors(403, 404, 409, 422)
def reject(body, registration_id: int):
    """Reject with a reason; the applicant is told why."""
    return service.reject(actor=current_user, registration_id=bounded_id(registration_id),
                          now=clock.now(), **body)


@blp.post("/registrations/<int:registration_id>/end")
@login_required(blp)
@blp.arguments(schemas.EndRegistrationIn)
@blp.response(200, schemas.RegistrationOut)
@blp.errors(404, 409, 422)
def end(body, registration_id: int):
    """End a pending or approved registration: the member themself (moved away, retired;
    the committee is notified) or the committee with a reason (the member is notified). The
    B-post seat is released; history stays."""
    return service.end_registration(actor=current_user, registration_id=bounded_id(registration_id),
                                    now=clock.now(), **body)


@blp.post("/registrations/<int:registration_id>/evaluation")
@login_required(blp)
@blp.arguments(schemas.EvaluationIn)
@blp.response(200, schemas.EvaluationOut)
@blp.errors(403, 404, 409, 422)
def evaluate(body, registration_id: int):
    """Set the year's evaluation (优秀 / 合格 / 基本合格 / 不合格) with a comment."""
    return service.evaluate(actor=current_user, registration_id=bounded_id(registration_id),
                            now=clock.now(), **body)


@blp.get("/me")
@login_required(blp)
@blp.response(200, schemas.ServiceRecordOut)
@blp.errors(404)
def me():
    """The caller's own record: hours, activities, requests handled, evaluations."""
    return queries.service_record(current_user, clock.now())




@blp.get("/reports")
@login_required(blp)
@blp.arguments(schemas.ReportArgs, location="query")
@blp.response(200, schemas.ReportOut)
@blp.download(*CONTENT_TYPES.values(), json_schema=schemas.ReportOut(),
              description="JSON (format=json), XLSX (format=xlsx) or CSV file")
@blp.errors(403, 422)
def report(args):
    """The yearly feedback report to work units (committee: its communities; admin: all)."""
    rows = queries.report_rows(current_user, year=args["year"], work_unit=args["work_unit"])
    if args["format"] == "json":
        return {"year": args["year"], "work_unit": args["work_unit"], "rows": rows}
    zone, fmt = current_app.config["TIMEZONE"], args["format"]
    title = reports.title(args["year"], args["work_unit"])
    data = reports.to_csv(rows, zone) if fmt == "csv" else reports.to_xlsx(rows, zone, title=title)
    disposition = (f"attachment; filename=inservice-{args['year']}.{fmt}; "
                   f"filename*=UTF-8''{quote(title)}.{fmt}")
    return Response(data, content_type=CONTENT_TYPES[fmt], headers={"Content-Disposition": disposition})
