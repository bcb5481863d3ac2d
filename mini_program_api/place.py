"""Place: which community, grid and section a point lies in."""

from __future__ import annotations

from mini_program_api.schemas.place import LocatedOut, PointArgs
from server.http import Blueprint, login_required
from server.place import service

blp = Blueprint("place", __name__, url_prefix="/api/v1", description="位置 Place")


@blp.get("/locate")
@login_required(blp)
@blp.arguments(PointArgs, location="query")
@blp.response(200, LocatedOut)
@blp.errors(422)
def locate(args):
    """The community, grid and section of a point; outside every section a 422 (code 42231)
    whose ``errors.nearest`` names the nearest section and its distance in metres."""
    return service.locate(service.Point.of(**args))
