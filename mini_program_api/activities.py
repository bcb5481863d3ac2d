"""Service activities (志愿服务活动): the committee posts them, members sign up, the committee
confirms attendance and hours are credited."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas import inservice as schemas
from mini_program_api.schemas.requests import EmptyIn
from server import clock
from server.accounts.enums import Role
from server.errors import Forbidden
from server.http import Blueprint, bounded_id, login_required, page_schema
from server.inservice import queries, service

blp = Blueprint("activities", __name__, url_prefix="/api/v1/activities",
                description="志愿服务活动 Service activities")


@blp.post("")
@login_required(blp)
@blp.arguments(schemas.ActivityIn)
@blp.response(201, schemas.ActivityOut)
@blp.errors(403, 422)
def create(body):
    """Post an activity for the caller's community (committee)."""
    return service.create_activity(actor=current_user, now=clock.now(), **body)


@blp.get("")
@login_required(blp)
@blp.arguments(schemas.ActivityArgs, location="query")
@blp.response(200, page_schema(schemas.ActivityOut))
@blp.errors(403, 422)
def list_activities(args):
    """Activities of the communities where the caller serves or sits on the committee."""
    if not {Role.MEMBER, Role.COMMITTEE, Role.ADMIN} & set(current_user.roles):
        raise Forbidden("只有党员、社区两委或管理员可以查看活动")
    return queries.activities(current_user, args.pop("community_id"), args)


@blp.get("/<int:activity_id>")
@login_required(blp)
@blp.response(200, schemas.ActivityDetailOut)
@blp.errors(404)
def get_activity(activity_id: int):
    """One activity, with the caller's own sign-up if any."""
    activity = service.visible_activity(bounded_id(activity_id), current_user)
    return {"activity": activity, "my_signup": queries.my_signup(activity, current_user)}


@blp.patch("/<int:activity_id>")
@login_required(blp)
@blp.arguments(schemas.ActivityEditIn)
@blp.response(200, schemas.ActivityOut)
@blp.errors(403, 404, 409, 422)
def edit(body, activity_id: int):
    """Change time, place, capacity (never below the seats taken: 42252), title or description
    before the activity starts; everyone signed up is notified."""
    return service.edit_activity(actor=current_user, activity_id=bounded_id(activity_id),
                                 now=clock.now(), **body)


@blp.post("/<int:activity_id>/cancel")
@login_required(blp)
@blp.arguments(schemas.ActivityCancelIn)
@blp.response(200, schemas.ActivityOut)
@blp.errors(403, 404, 409, 422)
def cancel(body, activity_id: int):
    """Call the activity off with a reason: no sign-ups and no hours any more; everyone signed
    up is notified. Refused once attendance was confirmed (40961)."""
    return service.cancel_activity(actor=current_user, activity_id=bounded_id(activity_id),
                                   now=clock.now(), **body)


@blp.get("/<int:activity_id>/signups")
@login_required(blp)
@blp.response(200, schemas.SignupRowOut(many=True))
@blp.errors(403, 404)
def signups(activity_id: int):
    """Who signed up (committee of the activity's community), to confirm attendance."""
    return queries.signups(service.committee_activity(bounded_id(activity_id), current_user))


@blp.post("/<int:activity_id>/signup")
@login_required(blp)
@blp.arguments(EmptyIn, required=False)
@blp.response(200, schemas.SignupOut)
@blp.errors(403, 404, 409)
def signup(_body, activity_id: int):
    """Take a seat; 409 when full or already started."""
    return service.signup(actor=current_user, activity_id=bounded_id(activity_id), now=clock.now())


@blp.post("/<int:activity_id>/withdraw")
@login_required(blp)
@blp.arguments(EmptyIn, required=False)
@blp.response(200, schemas.SignupOut)
@blp.errors(404, 409)
def withdraw(_body, activity_id: int):
    """Give the seat back before the activity starts."""
    return service.withdraw(actor=current_user, activity_id=bounded_id(activity_id),
                            now=clock.now())


@blp.post("/<int:activity_id>/attendance")
@login_required(blp)
@blp.arguments(schemas.AttendanceIn)
@blp.response(200, schemas.SignupRowOut(many=True))
@blp.errors(403, 404, 409, 422)
def attendance(body, activity_id: int):
    """Confirm who came (user ids); each is credited the activity's hours once."""
    activity = service.confirm_attendance(actor=current_user, activity_id=bounded_id(activity_id),
                                          now=clock.now(), **body)
    return queries.signups(activity)
