"""Redeeming an invitation code: a member or committee staffer links their account."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas.admin import LinkedOut, RedeemIn
from server import clock
from server.accounts import service as accounts
from server.admin import people
from server.grid import queries as grid
from server.http import Blueprint, login_required

blp = Blueprint("invitations", __name__, url_prefix="/api/v1",
                description="邀请码 Invitation codes")


@blp.post("/me/invitation")
@login_required(blp)
@blp.arguments(RedeemIn)
@blp.response(200, LinkedOut)
@blp.errors(409, 422)
def redeem(body):
    """Link the caller to the person the code was issued for; they get that person's posts
    and roles at once. Redeeming one's own code again changes nothing."""
    person = people.redeem_invitation(user=current_user, code=body["code"], now=clock.now())
    return {"person_id": person.id, "roles": current_user.roles,
            "teams": grid.teams_of(current_user.id),
            "committee_of": accounts.committee_communities(current_user)}
