"""Login through WeChat, token refresh and logout, and the caller's own account."""

from __future__ import annotations

from flask_jwt_extended import current_user, get_jwt

from mini_program_api.schemas.auth import MeOut, TokensOut, WeChatLoginIn
from mini_program_api.schemas.requests import EmptyIn
from server import clock
from server.accounts import service
from server.grid import queries as grid
from server.http import Blueprint, login_required
from server.inservice import queries as inservice
from server.privacy import mask_phone as mask
from server.wechat.client import WeChatClient

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与账号 Login and account")


@blp.post("/auth/wechat-login")
@blp.arguments(WeChatLoginIn)
@blp.response(200, TokensOut)
@blp.errors(401, 422, 502, 503)
def wechat_login(body):
    """Exchange a wx.login code for our tokens; the first login creates a resident."""
    user, tokens = service.login_with_wechat(
        client=WeChatClient.from_app(), code=body["code"], now=clock.now()
    )
    return {**tokens, "user": user}


@blp.post("/auth/refresh")
@login_required(blp, refresh=True)
@blp.response(200, TokensOut)
def refresh():
    """A new token pair for a refresh token; the presented one is revoked (rotation)."""
    tokens = service.refresh(user=current_user, payload=get_jwt(), now=clock.now())
    return {**tokens, "user": current_user}


@blp.post("/auth/logout")
@login_required(blp)
@blp.arguments(EmptyIn, required=False)
@blp.response(200)
def logout(_body):
    """Revoke every token of this login."""
    service.logout(user=current_user, payload=get_jwt(), now=clock.now())
    return None


@blp.get("/me")
@login_required(blp)
@blp.response(200, MeOut)
def me():
    """The caller, their roles, home, teams, committee seats, streets and in-service
    profiles."""
    user = current_user
    return {
        "id": user.id, "nickname": user.nickname, "roles": user.roles, "phone": mask(user.phone),
        "home_community_id": user.home_community_id, "home_section_id": user.home_section_id,
        "teams": grid.teams_of(user.id), "committee_of": service.committee_communities(user),
        "street_of": service.street_ids_of(user),
        "inservice": inservice.live_registrations(user.id),
    }
