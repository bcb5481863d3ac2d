"""The public JSON twins of the sunlight pages (no login). Same data, same whitelist."""

from __future__ import annotations

from mini_program_api.schemas import sunlight as schemas
from server import clock
from server.errors import NotFound
from server.http import Blueprint, bounded_id
from server.sunlight import service
from server.sunlight.caching import conditional
from server.sunlight.schemas import PublicListArgs

blp = Blueprint("public", __name__, url_prefix="/api/v1/public",
                description="晒单 The public sunlight list (no login)")
blp.after_request(conditional)


@blp.get("/communities")
@blp.response(200, schemas.PublicCommunitiesOut)
def communities():
    """Active communities with their headline figures over the public window."""
    return service.communities_board(now=clock.now())


@blp.get("/communities/<int:community_id>/sunlight")
@blp.arguments(PublicListArgs, location="query")
@blp.response(200, schemas.SunlightOut)
@blp.errors(404, 422)
def sunlight(args, community_id: int):
    """Scoreboard, rankings (masked names), trends and one page of the public list."""
    return service.community_board(community_id=bounded_id(community_id), now=clock.now(),
                                   args=args)


@blp.get("/requests/<no>")
@blp.response(200, schemas.PublicRequestDetailOut)
@blp.errors(404)
def request_detail(no: str):
    """One request's public timeline, by its public number."""
    if len(no) > 32:
        raise NotFound("诉求不存在")
    return service.public_request_detail(no=no, now=clock.now())
