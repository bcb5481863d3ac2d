"""Account deletion on its owner's request (PIPL): personal data removed, history anonymous."""

from __future__ import annotations

from flask_jwt_extended import current_user

from server import clock
from server.http import Blueprint, login_required
from server.retention import service

blp = Blueprint("account", __name__, url_prefix="/api/v1", description="注销账号 Account deletion")


@blp.delete("/me")
@login_required(blp)
@blp.response(200)
@blp.errors(409)
def delete_me():
    """Delete the caller's account: name, phone, openid and home are erased, every token dies,
    roles and team places end; requests stay, without the link to the person. The platform's
    last admin cannot leave (409, code 40912): grant another admin first."""
    service.delete_account(user=current_user, now=clock.now())
    return None
