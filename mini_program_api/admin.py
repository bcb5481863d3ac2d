"""Administration (``/api/v1/admin``): places, teams, people, roles, the catalogue, imports.

Places, roles, the catalogue and imports are for the platform admin (role ``admin``, checked
in the database on every call). A community's committee manages the members of its own
teams and issues invitation codes there; elsewhere it gets 404.
"""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_jwt_extended import current_user

from mini_program_api.schemas import admin as schemas
from mini_program_api.schemas import place as place_schemas
from mini_program_api.schemas.requests import EmptyIn
from server import clock
from server.accounts.enums import Role
from server.admin import importer, people, queries, service
from server.errors import Code, Invalid
from server.http import Blueprint, PageArgs, bounded_id, login_required, page_schema
from server.place import boundaries

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin",
                description="管理后台 Administration (admin; committee for its own teams)")

StreetPage = page_schema(schemas.StreetAdminOut)
CommunityPage = page_schema(schemas.CommunityAdminOut)
DepartmentPage = page_schema(schemas.DepartmentAdminOut)
CategoryPage = page_schema(schemas.CategoryAdminOut)
AuditPage = page_schema(schemas.AuditOut)
MemberPage = page_schema(schemas.TeamMemberOut)
PersonPage = page_schema(schemas.PersonOut)
InvitationPage = page_schema(schemas.InvitationAdminOut)


def _ctx() -> dict:
    return {"actor": current_user, "now": clock.now()}


# --- places and teams ---------------------------------------------------------------------------


@blp.get("/streets")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, StreetPage)
@blp.errors(403, 422)
def list_streets(page):
    """Every street (街道/乡镇) of the county, retired ones included (admin)."""
    return queries.streets(actor=current_user, page=page)


@blp.post("/streets")
@login_required(blp)
@blp.arguments(schemas.StreetIn)
@blp.response(201, schemas.StreetAdminOut)
@blp.errors(403, 409, 422)
def create_street(body):
    """A new street or township; communities are put under it by ``street_id`` (admin)."""
    return service.create_street(**_ctx(), **body)


@blp.patch("/streets/<int:street_id>")
@login_required(blp)
@blp.arguments(schemas.StreetPatch)
@blp.response(200, schemas.StreetAdminOut)
@blp.errors(403, 404, 409, 422)
def update_street(body, street_id: int):
    """Rename, retire (``is_active: false``) or restore a street (admin)."""
    return service.update_street(**_ctx(), street_id=bounded_id(street_id), changes=body)


@blp.get("/communities")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, CommunityPage)
@blp.errors(403, 422)
def list_communities(page):
    """Every community, retired ones included (admin)."""
    return queries.communities(actor=current_user, page=page)


@blp.post("/communities")
@login_required(blp)
@blp.arguments(schemas.CommunityIn)
@blp.response(201, schemas.CommunityAdminOut)
@blp.errors(403, 409, 422)
def create_community(body):
    """A new community; its code prefixes its requests' public numbers (admin)."""
    return service.create_community(**_ctx(), **body)


@blp.get("/communities/<int:community_id>")
@login_required(blp)
@blp.response(200, schemas.CommunityTreeOut)
@blp.errors(403, 404)
def community_tree(community_id: int):
    """A community with all its grids, sections and teams, retired ones included
    (admin, or its committee)."""
    return queries.community_tree(actor=current_user, community_id=bounded_id(community_id))


@blp.patch("/communities/<int:community_id>")
@login_required(blp)
@blp.arguments(schemas.CommunityPatch)
@blp.response(200, schemas.CommunityAdminOut)
@blp.errors(403, 404, 409, 422)
def update_community(body, community_id: int):
    """Rename, move to another street, retire (``is_active: false``) or restore a community
    (admin)."""
    return service.update_community(**_ctx(), community_id=bounded_id(community_id), changes=body)


@blp.post("/communities/<int:community_id>/grids")
@login_required(blp)
@blp.arguments(schemas.NameIn)
@blp.response(201, schemas.GridAdminOut)
@blp.errors(403, 404, 409, 422)
def create_grid(body, community_id: int):
    """A new grid with its A-post team (admin)."""
    return service.create_grid(**_ctx(), community_id=bounded_id(community_id), **body)


@blp.patch("/grids/<int:grid_id>")
@login_required(blp)
@blp.arguments(schemas.PlacePatch)
@blp.response(200, schemas.GridAdminOut)
@blp.errors(403, 404, 409, 422)
def update_grid(body, grid_id: int):
    """Rename, retire or restore a grid; a retired grid takes no new requests (admin)."""
    return service.update_grid(**_ctx(), grid_id=bounded_id(grid_id), changes=body)


@blp.post("/grids/<int:grid_id>/sections")
@login_required(blp)
@blp.arguments(schemas.NameIn)
@blp.response(201, schemas.SectionAdminOut)
@blp.errors(403, 404, 409, 422)
def create_section(body, grid_id: int):
    """A new closed section with its B-post team (admin)."""
    return service.create_section(**_ctx(), grid_id=bounded_id(grid_id), **body)


@blp.patch("/sections/<int:section_id>")
@login_required(blp)
@blp.arguments(schemas.SectionPatch)
@blp.response(200, schemas.SectionAdminOut)
@blp.errors(403, 404, 409, 422)
def update_section(body, section_id: int):
    """Rename, retire or restore a section, or move it to another grid of its community
    (``grid_id``: its A-post hop follows, its team and history stay with it); a retired
    section takes no new requests (admin)."""
    return service.update_section(**_ctx(), section_id=bounded_id(section_id), changes=body)


@blp.post("/teams")
@login_required(blp)
@blp.arguments(schemas.TeamIn)
@blp.response(201, schemas.TeamOut)
@blp.errors(403, 404, 409, 422)
def create_team(body):
    """The missing A team of a grid (``grid_id``) or B team of a section (``section_id``)."""
    return service.create_team(**_ctx(), **body)


@blp.patch("/teams/<int:team_id>")
@login_required(blp)
@blp.arguments(schemas.PlacePatch)
@blp.response(200, schemas.TeamOut)
@blp.errors(403, 404, 409, 422)
def update_team(body, team_id: int):
    """Rename, retire or restore a team; dispatch skips a retired team (admin)."""
    return service.update_team(**_ctx(), team_id=bounded_id(team_id), changes=body)


# --- members, people and invitations (admin, or the committee of the community) ----------------


@blp.get("/teams/<int:team_id>/members")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, MemberPage)
@blp.errors(403, 404, 422)
def team_members(page, team_id: int):
    """The team's members who have an account, with their post."""
    return people.team_members(actor=current_user, team_id=bounded_id(team_id), page=page)


@blp.post("/teams/<int:team_id>/members")
@login_required(blp)
@blp.arguments(schemas.MemberIn)
@blp.response(200, schemas.MembershipOut)
@blp.errors(403, 404, 409, 422)
def add_member(body, team_id: int):
    """Put a user, a known person, or a new person (name + phone) on the team (idempotent)."""
    return people.add_member(**_ctx(), team_id=bounded_id(team_id), **body)


@blp.post("/teams/<int:team_id>/members/remove")
@login_required(blp)
@blp.arguments(schemas.MemberRemoveIn)
@blp.response(200, schemas.MembershipOut)
@blp.errors(403, 404, 422)
def remove_member(body, team_id: int):
    """Take a user or a person off the team; the requests they handled keep their name."""
    return people.remove_member(**_ctx(), team_id=bounded_id(team_id), **body)


@blp.get("/communities/<int:community_id>/people")
@login_required(blp)
@blp.arguments(schemas.PeopleArgs, location="query")
@blp.response(200, PersonPage)
@blp.errors(403, 404, 422)
def community_people(args, community_id: int):
    """People with a post or a committee seat here; ``linked=false``: still to invite."""
    linked = args.pop("linked")
    return people.community_people(actor=current_user, community_id=bounded_id(community_id),
                                   linked=linked, page=args)


@blp.post("/invitations")
@login_required(blp)
@blp.arguments(schemas.InvitationIn)
@blp.response(201, schemas.InvitationOut)
@blp.errors(403, 404, 409, 422)
def issue_invitation(body):
    """A one-time code for a person not yet linked; earlier unused codes stop working."""
    return people.issue_invitation(**_ctx(), person_id=body["person_id"])


@blp.get("/communities/<int:community_id>/invitations")
@login_required(blp)
@blp.arguments(schemas.InvitationArgs, location="query")
@blp.response(200, InvitationPage)
@blp.errors(403, 404, 422)
def community_invitations(args, community_id: int):
    """The community's invitation codes, newest first; a used one names the account that
    redeemed it. ``state`` filters: open, used, revoked, expired."""
    state = args.pop("state")
    return people.community_invitations(actor=current_user, community_id=bounded_id(community_id),
                                        state=state, page=args, now=clock.now())


@blp.post("/invitations/<int:invitation_id>/revoke")
@login_required(blp)
@blp.arguments(EmptyIn)
@blp.response(200, schemas.InvitationAdminOut)
@blp.errors(403, 404, 409, 422)
def revoke_invitation(body, invitation_id: int):
    """Stop an unused code from working; a used or already revoked one is a 409 (40931)."""
    ctx = _ctx()
    invitation = people.revoke_invitation(**ctx, invitation_id=bounded_id(invitation_id))
    return people.invitation_rows([invitation], ctx["now"])[0]


# --- roles, audit -------------------------------------------------------------------------------


@blp.post("/roles/grant")
@login_required(blp)
@blp.arguments(schemas.RoleIn)
@blp.response(200, schemas.RoleOut)
@blp.errors(403, 404, 422)
def grant_role(body):
    """Grant committee (of ``community_id``), street (of ``street_id``), county or admin to a
    user, or committee to an imported person (admin)."""
    return service.grant_role(**_ctx(), **{**body, "role": Role(body["role"])})


@blp.post("/roles/revoke")
@login_required(blp)
@blp.arguments(schemas.RoleIn)
@blp.response(200, schemas.RoleOut)
@blp.errors(403, 404, 409, 422)
def revoke_role(body):
    """Revoke committee, street, county or admin; the last admin stays (409) (admin)."""
    return service.revoke_role(**_ctx(), **{**body, "role": Role(body["role"])})


@blp.get("/audit")
@login_required(blp)
@blp.arguments(schemas.AuditArgs, location="query")
@blp.response(200, AuditPage)
@blp.errors(403, 422)
def audit(args):
    """Who changed what and when, newest first (admin)."""
    community_id = args.pop("community_id")
    return queries.audit(actor=current_user, community_id=community_id, page=args)


# --- catalogue ----------------------------------------------------------------------------------


@blp.get("/categories")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, CategoryPage)
@blp.errors(403, 422)
def list_categories(page):
    """Every category, retired ones included (admin)."""
    return queries.categories(actor=current_user, page=page)


@blp.post("/categories")
@login_required(blp)
@blp.arguments(schemas.CategoryIn)
@blp.response(201, schemas.CategoryAdminOut)
@blp.errors(403, 409, 422)
def create_category(body):
    """A category with its deadlines and dispatch order (hops among A, B, committee)."""
    return service.create_category(**_ctx(), **body)


@blp.patch("/categories/<int:category_id>")
@login_required(blp)
@blp.arguments(schemas.CategoryPatch)
@blp.response(200, schemas.CategoryAdminOut)
@blp.errors(403, 404, 409, 422)
def update_category(body, category_id: int):
    """Change deadlines, dispatch order or retire a category; open requests keep theirs."""
    return service.update_category(**_ctx(), category_id=bounded_id(category_id), changes=body)


@blp.get("/departments")
@login_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DepartmentPage)
@blp.errors(403, 422)
def list_departments(page):
    """Every functional department (职能部门), retired ones included (admin)."""
    return queries.departments(actor=current_user, page=page)


@blp.post("/departments")
@login_required(blp)
@blp.arguments(schemas.DepartmentIn)
@blp.response(201, schemas.DepartmentAdminOut)
@blp.errors(403, 409, 422)
def create_department(body):
    """A department the committee can blow the whistle to, with its response time."""
    return service.create_department(**_ctx(), **body)


@blp.patch("/departments/<int:department_id>")
@login_required(blp)
@blp.arguments(schemas.DepartmentPatch)
@blp.response(200, schemas.DepartmentAdminOut)
@blp.errors(403, 404, 409, 422)
def update_department(body, department_id: int):
    """Rename, change the response time, retire or restore a department."""
    return service.update_department(**_ctx(), department_id=bounded_id(department_id), changes=body)


# --- import -------------------------------------------------------------------------------------


def _uploaded():
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("请上传文件", errors={"file": ["missing"]})
    return upload


@blp.post("/imports/structure")
@login_required(blp)
@blp.arguments(schemas.ImportArgs, location="query")
@blp.arguments(schemas.ImportFileIn, location="files", unknown=ma.EXCLUDE)
@blp.response(200, schemas.ImportOut)
@blp.errors(403, 413, 422)
def import_structure(args, _files):
    """Load communities, grids, sections, teams and people from an .xlsx or .csv (admin).

    Every bad row comes back in ``errors.rows`` (line, column, reason in zh and en) and
    nothing is written unless the whole file is valid; ``?dry_run=true`` only checks.
    ``?prune=true`` retires what the file's communities no longer list (``retired``).
    """
    upload = _uploaded()
    report = importer.import_structure(filename=upload.filename or "", data=upload.read(),
                                       dry_run=args["dry_run"], prune=args["prune"],
                                       **_ctx())
    if not report.ok:
        raise Invalid("导入文件有误，未写入任何数据", code=Code.IMPORT_INVALID,
                      errors={"rows": [e.as_dict() for e in report.errors]})
    return report


@blp.post("/imports/boundaries")
@login_required(blp)
@blp.arguments(place_schemas.BoundaryImportArgs, location="query")
@blp.arguments(schemas.ImportFileIn, location="files", unknown=ma.EXCLUDE)
@blp.response(200, place_schemas.BoundaryImportOut)
@blp.errors(403, 413, 422)
def import_boundaries(args, _files):
    """Load section boundaries from a GeoJSON, KML or zipped Shapefile (admin), in the coordinate system
    given by ``?coord_system=`` (wgs84 by default).

    Every problem comes back per feature in ``errors.features`` (reason in zh and en) and
    nothing is written unless the whole file is valid; ``?dry_run=true`` only checks.
    """
    service.require_admin(current_user)
    upload = _uploaded()
    report = boundaries.import_boundaries(filename=upload.filename or "", data=upload.read(),
                                          coord_system=args["coord_system"],
                                          dry_run=args["dry_run"], **_ctx())
    if not report.ok:
        raise Invalid("边界文件有误，未写入任何数据", code=Code.BOUNDARY_FILE_INVALID,
                      errors={"features": [e.as_dict() for e in report.errors]})
    return report
