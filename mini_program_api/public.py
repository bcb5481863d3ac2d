"""The public JSON twins of the sunlight pages (no login). Same data, same whitelist."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app

from mini_program_api.schemas import sunlight as schemas
from server import clock
from server.errors import NotFound
from server.http import Blueprint, bounded_id
from server.sunlight import maps, rankings, service
from server.sunlight import queries as sunlight_queries
from server.sunlight.caching import Rendered, conditional
from server.sunlight.schemas import PublicListArgs, RankingWindowArgs

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
    page = service.community_board(community_id=bounded_id(community_id), now=clock.now(),
                                   args=args, face="json", render=_board_json)
    return page.response()


@blp.get("/communities/<int:community_id>/map.geojson")
@blp.arguments(schemas.MapArgs, location="query")
@blp.doc(responses={"200": {"description": "a GeoJSON FeatureCollection, not in the envelope",
                             "content": {"application/geo+json": {"schema": schemas.MapOut}}}})
@blp.errors(404, 422)
def community_map(args, community_id: int):
    """The community's sections as GeoJSON, one feature per section with its open requests by
    light; no request's point (the HTML page draws coarse dots). ``level=grid``: one feature
    per grid (the union of its sections, or its own polygon); ``level=community``: the
    community as one feature (the union of its grids)."""
    community = sunlight_queries.active_community(bounded_id(community_id))
    if community is None:
        raise NotFound("社区不存在")
    level = args["level"]
    data = maps.feature_collection(
        maps.community_map(community.id, clock.now()), level, community=(community.id, community.name),
        grid_shapes=maps.grid_shapes(community.id) if level != "section" else None)
    return Response(current_app.json.dumps(data), mimetype="application/geo+json")


def _encoder(schema) -> Callable[[dict], Rendered]:
    """The envelope of ``schema``'s dump, serialised once per cached rendering, not once per
    reader."""
    def encode(value: dict) -> Rendered:
        return Rendered.of(current_app.json.dumps({"code": 0, "msg": "ok",
                                                   "data": schema.dump(value)}),
                           "application/json")
    return encode


_board_json = _encoder(schemas.SunlightOut())
_request_json = _encoder(schemas.PublicRequestDetailOut())


@blp.get("/county")
@blp.arguments(RankingWindowArgs, location="query")
@blp.response(200, schemas.PublicRankingsOut)
@blp.errors(422)
def county(args):
    """The county's streets and communities ranked on the three rates over a month (default:
    this one) or local days ``start``..``end``; aggregates only."""
    return rankings.county_board(now=clock.now(), **args)


@blp.get("/streets/<int:street_id>")
@blp.arguments(RankingWindowArgs, location="query")
@blp.response(200, schemas.PublicRankingsOut)
@blp.errors(404, 422)
def street(args, street_id: int):
    """One street's communities ranked within it (and their place in the county), and the
    street's place among the county's streets; aggregates only."""
    return rankings.street_board(street_id=bounded_id(street_id), now=clock.now(), **args)


@blp.get("/requests/<no>")
@blp.response(200, schemas.PublicRequestDetailOut)
@blp.errors(404)
def request_detail(no: str):
    """One request's public timeline, by its public number."""
    if len(no) > 32:
        raise NotFound("诉求不存在")
    page = service.public_request_page(no=no, now=clock.now(), face="json",
                                       render=_request_json)
    return page.response()
