"""Rankings for the staff above the community: the same figures as the public county and street
pages, plus the flags of figures far from their peers'."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas import sunlight as schemas
from server import clock
from server.http import Blueprint, login_required
from server.sunlight import rankings
from server.sunlight.schemas import RankingArgs

blp = Blueprint("rankings", __name__, url_prefix="/api/v1", description="排名 Rankings")


@blp.get("/rankings")
@login_required(blp)
@blp.arguments(RankingArgs, location="query")
@blp.response(200, schemas.RankingsOut)
@blp.errors(403, 404, 422)
def staff_rankings(args):
    """Communities ranked within their street and the county, streets within the county, with
    the flags (a rate beyond 1.5 IQR of its peers'). Street staff: their own street; the county
    centre and admins: the county or any street."""
    return rankings.staff_rankings(user=current_user, now=clock.now(), **args)
