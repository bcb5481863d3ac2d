"""The committee's moderation desk: content WeChat's content security held for review."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.requests import RequestPage
from mini_program_api.schemas import requests as schemas
from mini_program_api.schemas.requests import ApproveIn
from server import clock
from server.accounts.enums import Role
from server.errors import Forbidden
from server.http import Blueprint, PageArgs, bounded_id, login_required
from server.requests import moderation as service

blp = Blueprint("moderation", __name__, url_prefix="/api/v1", description="内容审核 Moderation")


@blp.get("/moderation")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, RequestPage)
@blp.errors(403, 422)
def held(page):
    """Requests of my communities whose text or photos are held for review."""
    if Role.COMMITTEE not in current_user.roles:
        raise Forbidden("当前账号没有此角色")
    return service.held(current_user, page)


@blp.post("/requests/<int:request_id>/moderation/clear")
@login_required(blp)
@blp.arguments(ApproveIn, required=False)
@blp.response(200, schemas.RequestOut)
@blp.errors(403, 404, 409, 422)
def clear(body, request_id: int):
    """Release held text and photos of a request to public view (committee)."""
    return service.clear_held(request_id=bounded_id(request_id), actor=current_user,
                              now=clock.now(), note=(body or {}).get("note"))
