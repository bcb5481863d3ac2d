"""Patrol reports (巡查上报): a member files a problem found on patrol as a request of its own
team (channel ``patrol``); it then moves through ``/requests/<id>/<action>`` like any other."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas import requests as schemas
from server import clock
from server.http import Blueprint, login_required
from server.requests import patrol

blp = Blueprint("patrol", __name__, url_prefix="/api/v1", description="巡查上报 Patrol reports")


@blp.post("/patrol-reports")
@login_required(blp)
@blp.arguments(schemas.PatrolIn)
@blp.response(201, schemas.RequestOut)
@blp.errors(403, 409, 422)
def report(body):
    """Report a problem found on patrol (member): it is dispatched to the reporter's own team
    in the place's community and, with ``accept_now``, accepted by the reporter at once."""
    return patrol.report(reporter=current_user, now=clock.now(), **body)
