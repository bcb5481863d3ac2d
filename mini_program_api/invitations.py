"""Redeeming an invitation code: a member or committee staffer links their account."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas.admin import RedeemIn
from mini_program_api.schemas.auth import MeOut
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
@blp.response(200, MeOut)
@blp.errors(409, 422)
def redeem(body):
    """Link the caller to the person the code was issued for; they get that person's posts
    and roles at once. Redeeming one's own code again changes nothing."""
    people.redeem_invitation(user=current_user, code=body["code"], now=clock.now())
    user = current_user
    return {
        "id": user.id, "nickname": user.nickname, "roles": user.roles, "phone": user.phone,
        "home_community_id": user.home_community_id, "home_section_id": user.home_section_id,
        "teams": grid.teams_of(user.id), "committee_of": accounts.committee_communities(user.id),
    }
