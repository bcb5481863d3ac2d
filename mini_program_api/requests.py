"""Requests (诉求): submit, follow, and move through their life.

Every action goes through ``server.requests.service.act`` and so through the state machine.
"""

from __future__ import annotations

from flask import request as http_request
from flask_jwt_extended import current_user

from mini_program_api import idempotency
from mini_program_api.schemas import place as place_schemas
from mini_program_api.schemas import requests as schemas
from server import clock
from server.accounts.enums import Role
from server.errors import Forbidden
from server.http import Blueprint, PageArgs, bounded_id, login_required, ok_response, page_schema
from server.place import service as place
from server.requests import nearby, queries, service, support
from server.requests.enums import Action

blp = Blueprint("requests", __name__, url_prefix="/api/v1", description="诉求 Requests")

RequestPage = page_schema(schemas.RequestSummaryOut)


_REQUEST_OUT = schemas.RequestOut()  # made once: dumping keeps no state on the instance


def _require_role(role: Role) -> None:
    if role not in current_user.roles:
        raise Forbidden("当前账号没有此角色")


@blp.post("/requests")
@login_required(blp)
@blp.arguments(schemas.SubmitIn)
@blp.response(201, schemas.RequestOut)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "maxLength": 128},
                      "description": "replays the first response for the same key and body"}])
@blp.errors(403, 409, 422)
def submit(body):
    """Submit a request; it is dispatched to the A-post team of its grid."""
    _require_role(Role.RESIDENT)
    return idempotency.run(
        user=current_user, key=http_request.headers.get("Idempotency-Key"), body=body,
        produce=lambda: service.answer(
            service.submit(resident=current_user, now=clock.now(), commit=False, **body)),
        dump=_REQUEST_OUT.dump, status=201,
    )


@blp.get("/requests/mine")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, RequestPage)
@blp.errors(422)
def my_requests(page):
    """The caller's own requests, newest first."""
    return ok_response(queries.mine(current_user, page, clock.now()))


@blp.get("/tasks")
@login_required(blp)
@blp.arguments(schemas.TasksArgs, location="query")
@blp.response(200, RequestPage)
@blp.errors(403, 422)
def tasks(args):
    """Work for a member: ``available`` (my teams, not taken) or ``mine`` (held by me)."""
    _require_role(Role.MEMBER)
    return ok_response(queries.tasks(current_user, args["scope"], args, clock.now()))


@blp.get("/review")
@login_required(blp)
@blp.arguments(schemas.ReviewArgs, location="query")
@blp.response(200, RequestPage)
@blp.errors(403, 422)
def review(args):
    """The committee's desk: awaiting review, escalated to the committee, whistled or overdue;
    with ``light``, every open request showing that light (亮灯预警)."""
    _require_role(Role.COMMITTEE)
    return ok_response(queries.review(current_user, clock.now(), args, light=args["light"]))


@blp.get("/supervision")
@login_required(blp)
@blp.arguments(schemas.ReviewArgs, location="query")
@blp.response(200, RequestPage)
@blp.errors(403, 422)
def supervision(args):
    """The street's desk (督办): work the committee let escalate to the street and work gone
    red in the street's communities (the county: every community); with ``light``, every open
    request showing that light."""
    if not ({Role.STREET, Role.COUNTY} & set(current_user.roles)):
        raise Forbidden("只有街道或县城乡治理服务中心可以查看督办台")
    return ok_response(queries.supervision(current_user, clock.now(), args, light=args["light"]))


@blp.get("/requests/nearby")
@login_required(blp)
@blp.arguments(place_schemas.NearbyArgs, location="query")
@blp.response(200, place_schemas.NearbyListOut)
@blp.errors(422)
def nearby_requests(args):
    """Open requests near a point, nearest first (at most 50), so that a resident sees whether
    a neighbour already reported the same thing (已有人反映过？) and can back it instead."""
    point = place.Point.of(args["lat"], args["lng"], args["coord_system"])
    radius = nearby.radius_of(args["radius"])
    items = nearby.nearby(lat=point.lat, lng=point.lng, radius_m=radius,
                                 category_code=args["category_code"], user_id=current_user.id)
    return {"items": items, "radius_m": radius}


@blp.post("/requests/<int:request_id>/support")
@login_required(blp)
@blp.response(200, schemas.SupportOut)
@blp.errors(403, 404, 409)
def support_request(request_id: int):
    """Back an open request ("me too", 附议): follow its progress; it counts once in figures."""
    return support.support(request_id=bounded_id(request_id), user=current_user, now=clock.now())


@blp.delete("/requests/<int:request_id>/support")
@login_required(blp)
@blp.response(200, schemas.SupportOut)
@blp.errors(404)
def withdraw_support(request_id: int):
    """Withdraw one's support of a request."""
    return support.withdraw(request_id=bounded_id(request_id), user=current_user, now=clock.now())


@blp.post("/requests/<int:request_id>/merge")
@login_required(blp)
@blp.arguments(place_schemas.MergeIn)
@blp.response(200, schemas.RequestOut)
@blp.errors(403, 404, 409, 422)
def merge_request(body, request_id: int):
    """Close a duplicate into its original (committee): the duplicate's owner and supporters
    follow the original, and both timelines name each other."""
    return support.merge(request_id=bounded_id(request_id), actor=current_user, now=clock.now(), **body)


@blp.get("/requests/<int:request_id>")
@login_required(blp)
@blp.response(200, schemas.RequestOut)
@blp.errors(404)
def get_request(request_id: int):
    """One request with its timeline, for its owner, team, handler or committee."""
    return service.read(request_id=bounded_id(request_id), viewer=current_user, now=clock.now())


def _action(action: Action, schema, summary: str, *, note_field: str | None = None):
    """Declare ``POST /requests/<id>/<action>``: validate, call the service, return the request."""

    def view(body, request_id: int):
        body = dict(body)
        note = body.pop(note_field, None) if note_field else None
        return service.answer(service.act(request_id=bounded_id(request_id), action=action,
                                          actor=current_user, now=clock.now(), note=note, **body))

    view.__name__ = f"{action.value}_request"
    view.__doc__ = summary
    view = blp.errors(403, 404, 409, 422)(view)
    view = blp.response(200, schemas.RequestOut)(view)
    view = blp.arguments(schema, required=schema is not schemas.EmptyIn)(view)
    view = login_required(blp)(view)
    blp.post(f"/requests/<int:request_id>/{action.value}")(view)


_action(Action.CANCEL, schemas.EmptyIn, "Withdraw a request before anyone accepts it (owner).")
_action(Action.ACCEPT, schemas.EmptyIn, "Take a dispatched request; the first member wins, others get 409.")
_action(Action.PROGRESS, schemas.NoteIn, "Record progress with a note and photos (handler).", note_field="note")
_action(Action.RESOLVE, schemas.NoteIn, "Report the work done (handler; committee after a whistle).", note_field="note")
_action(Action.APPROVE, schemas.ApproveIn, "Review passed: the request is closed (committee).", note_field="note")
_action(Action.RETURN, schemas.ReasonIn, "Send resolved work back to its handler (committee).", note_field="reason")
_action(Action.ASSIGN, schemas.AssignIn, "Give the request to a named member (committee).", note_field="note")
_action(Action.REJECT, schemas.ReasonIn, "Close an invalid request with a reason (committee).", note_field="reason")
_action(Action.ESCALATE, schemas.EscalateIn,
        "Blow the whistle to a department (committee; the street supervising it takes it over).",
        note_field="note")
_action(Action.INSTRUCT, schemas.InstructIn,
        "Instruct the committee (督办, street or county staff); work escalated to the street goes "
        "back down to the committee with a fresh deadline.", note_field="instruction")
_action(Action.RATE, schemas.RateIn, "Rate a closed request (owner).", note_field="comment")
_action(Action.REOPEN, schemas.ReasonIn, "Reopen after an unresolved or dissatisfied rating (owner).",
        note_field="reason")
