"""Every domain's models, imported in one place so that metadata (and Alembic) sees them all."""

from server.accounts.models import RevokedToken, RoleGrant, User  # noqa: F401
from server.catalogue.models import Category  # noqa: F401
from server.grid.models import Community, Grid, Section, Team, TeamMember  # noqa: F401
from server.requests.models import (  # noqa: F401
    Event,
    IdempotencyKey,
    Photo,
    Rating,
    Request,
    RequestCounter,
)
