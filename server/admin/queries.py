"""Read-side questions of the administration, each checking the reader's power first."""

from __future__ import annotations

from sqlalchemy import select

from server.accounts.models import User
from server.admin import service
from server.admin.models import AuditEntry
from server.catalogue.models import Category
from server.duty.models import Department
from server.grid.models import Community, Street
from server.http import keyset_page


def communities(*, actor: User, page: dict) -> dict:
    """Every community, retired ones included, in the order they were created."""
    service.require_admin(actor)
    return keyset_page(select(Community), Community.id, page, descending=False)


def streets(*, actor: User, page: dict) -> dict:
    """Every street, retired ones included, in the order they were created."""
    service.require_admin(actor)
    return keyset_page(select(Street), Street.id, page, descending=False)


def community_tree(*, actor: User, community_id: int) -> dict:
    community = service.community_tree(actor=actor, community_id=community_id)
    return {
        "id": community.id, "code": community.code, "name": community.name,
        "street_id": community.street_id, "district": community.district,
        "is_active": community.is_active,
        "grids": community.grids, "teams": service.teams_of_community(community.id),
    }


def categories(*, actor: User, page: dict) -> dict:
    service.require_admin(actor)
    return keyset_page(select(Category), Category.id, page, descending=False)


def departments(*, actor: User, page: dict) -> dict:
    service.require_admin(actor)
    return keyset_page(select(Department), Department.id, page, descending=False)


def audit(*, actor: User, community_id: int | None, page: dict) -> dict:
    """The administration's audit trail, newest first."""
    service.require_admin(actor)
    query = select(AuditEntry)
    if community_id is not None:
        query = query.where(AuditEntry.community_id == community_id)
    return keyset_page(query, AuditEntry.id, page)


