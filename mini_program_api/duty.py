"""Duty for the committee: weekly shifts, leave, who is on duty, departments, the whistle's
report-back, and light counts. Team and member management live with administration."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas import duty as schemas
from mini_program_api.schemas.requests import EmptyIn, NoteIn, RequestOut
from server import clock
from server.accounts.enums import Role
from server.duty import service
from server.duty.models import Leave
from server.errors import Code, Conflict, Forbidden
from server.http import Blueprint, bounded_id, keyset_page, login_required, page_schema
from server.requests import queries, whistle
from server.requests import service as requests
from server.requests.enums import Action, Status

blp = Blueprint("duty", __name__, url_prefix="/api/v1",
                description="值班与督办 Duty and escalation")


def _committee() -> None:
    if Role.COMMITTEE not in current_user.roles:
        raise Forbidden("当前账号没有此角色")


@blp.get("/teams/<int:team_id>/shifts")
@login_required(blp)
@blp.response(200, schemas.ShiftOut(many=True))
@blp.errors(403, 404)
def list_shifts(team_id: int):
    """A team's weekly roster (committee of its community)."""
    _committee()
    return service.shifts_of(team_id=bounded_id(team_id), actor=current_user)


@blp.put("/teams/<int:team_id>/shifts")
@login_required(blp)
@blp.arguments(schemas.RosterIn)
@blp.response(200, schemas.ShiftOut(many=True))
@blp.errors(403, 404, 422)
def replace_shifts(body, team_id: int):
    """Replace a team's weekly roster; times are local, a shift may end at 24:00."""
    _committee()
    return service.replace_shifts(team_id=bounded_id(team_id), shifts=body["shifts"],
                                  actor=current_user, now=clock.now())


@blp.get("/leaves")
@login_required(blp)
@blp.arguments(schemas.LeaveArgs, location="query")
@blp.response(200, page_schema(schemas.LeaveOut))
@blp.errors(403, 422)
def list_leaves(args):
    """Leave of the members serving in the caller's communities, newest first."""
    _committee()
    query = service.leaves_query(actor=current_user, user_id=args["user_id"])
    return keyset_page(query, Leave.id, args)


@blp.post("/leaves")
@login_required(blp)
@blp.arguments(schemas.LeaveIn)
@blp.response(201, schemas.LeaveOut)
@blp.errors(403, 404, 422)
def add_leave(body):
    """Record a member's leave (请假): off duty in every team for the period."""
    _committee()
    return service.add_leave(actor=current_user, now=clock.now(), **body)


@blp.post("/leaves/<int:leave_id>/cancel")
@login_required(blp)
@blp.arguments(EmptyIn, required=False)
@blp.response(200, schemas.LeaveOut)
@blp.errors(403, 404, 409)
def cancel_leave(_body, leave_id: int):
    """Cancel a leave; the member is back on their shifts."""
    _committee()
    return service.cancel_leave(leave_id=bounded_id(leave_id), actor=current_user,
                                now=clock.now())


@blp.get("/sections/<int:section_id>/on-duty")
@login_required(blp)
@blp.response(200, schemas.OnDutyOut(many=True))
@blp.errors(403, 404)
def on_duty(section_id: int):
    """Who is on duty for this section now: its grid's A post and its B post."""
    _committee()
    return service.on_duty_now(section_id=bounded_id(section_id), actor=current_user,
                               now=clock.now())


@blp.get("/departments")
@login_required(blp)
@blp.response(200, schemas.DepartmentOut(many=True))
def list_departments():
    """The functional departments a request can be whistled to (吹哨)."""
    return service.departments()


@blp.post("/requests/<int:request_id>/whistle/report")
@login_required(blp)
@blp.arguments(schemas.ReportBackIn, required=False)
@blp.response(200, RequestOut)
@blp.errors(403, 404, 409, 422)
def report_back(body, request_id: int):
    """Record that the whistled department reported for duty (报到) (committee)."""
    return whistle.report_back(request_id=bounded_id(request_id), actor=current_user,
                               note=(body or {}).get("note"), now=clock.now())


@blp.post("/requests/<int:request_id>/whistle/response")
@login_required(blp)
@blp.arguments(NoteIn)
@blp.response(200, RequestOut)
@blp.errors(403, 404, 409, 422)
def record_response(body, request_id: int):
    """Record the department's response; the request goes to review (committee)."""
    request, _ = requests.get_visible(bounded_id(request_id), current_user)
    if request.status != Status.REFERRED:
        raise Conflict("该诉求未吹哨或部门已反馈", code=Code.STATUS_FORBIDS)
    return requests.act(request_id=request.id, action=Action.RESOLVE, actor=current_user,
                        now=clock.now(), **body)


@blp.get("/review/lights")
@login_required(blp)
@blp.response(200, schemas.LightCountsOut)
@blp.errors(403)
def light_counts():
    """Open requests of the caller's communities by light, in total, per team and per grid."""
    _committee()
    return queries.light_counts(current_user, clock.now())
