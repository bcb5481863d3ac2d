"""Communities, their grids and sections, and the catalogue of request categories."""

from __future__ import annotations

from mini_program_api.schemas.places import CategoryOut, CommunityDetailOut, CommunityOut
from server.catalogue import queries as catalogue
from server.errors import NotFound
from server.extensions import db
from server.grid import queries as grid
from server.grid.models import Community
from server.http import Blueprint, bounded_id

blp = Blueprint("places", __name__, url_prefix="/api/v1", description="社区与类别 Places and catalogue")


@blp.get("/communities")
@blp.response(200, CommunityOut(many=True))
def list_communities():
    """Active communities, the demo community first."""
    return grid.communities()


@blp.get("/communities/<int:community_id>")
@blp.response(200, CommunityDetailOut)
@blp.errors(404)
def get_community(community_id: int):
    """A community with its active grids and their sections."""
    community = db.session.get(Community, bounded_id(community_id))
    if community is None or not community.is_active:
        raise NotFound("社区不存在")
    return community


@blp.get("/categories")
@blp.response(200, CategoryOut(many=True))
def list_categories():
    """Request categories with their deadlines."""
    return catalogue.active_categories()
