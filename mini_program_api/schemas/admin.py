"""Schemas of the administration: in/out pairs for places, teams, people, roles, catalogue."""

from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.auth import TeamRefOut
from mini_program_api.schemas.common import Id, LocalDateTime, Text
from server.http import MAX_ID, StrictSchema
from server.requests.enums import DISPATCH_HOPS


def _name(**kwargs):
    return Text(64, min_length=1, **kwargs)


# --- places and teams ---------------------------------------------------------------------------


def _code(**kwargs):
    return ma.fields.String(validate=ma.validate.Regexp(
        r"^[A-Za-z0-9]{1,16}$", error="letters and digits, at most 16"), **kwargs)


class StreetIn(StrictSchema):
    code = _code(required=True)
    name = _name(required=True)


class StreetPatch(StrictSchema):
    name = _name()
    is_active = ma.fields.Boolean(metadata={"description": "false retires (停用), true restores"})


class StreetAdminOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    is_active = ma.fields.Boolean()


class CommunityIn(StrictSchema):
    code = _code(required=True)
    name = _name(required=True)
    street_id = Id(load_default=None, allow_none=True,
                   metadata={"description": "the street (街道/乡镇) it belongs to"})


class CommunityPatch(StrictSchema):
    name = _name()
    street_id = Id(allow_none=True, metadata={"description": "move to another street"})
    is_active = ma.fields.Boolean(metadata={"description": "false retires (停用), true restores"})


class NameIn(StrictSchema):
    name = _name(required=True)


class PlacePatch(StrictSchema):
    name = _name()
    is_active = ma.fields.Boolean(metadata={"description": "false retires (停用), true restores"})


class SectionPatch(PlacePatch):
    grid_id = Id(metadata={"description": "move the section to this grid of its community"})


class TeamIn(StrictSchema):
    grid_id = Id(metadata={"description": "for the grid's A-post team (暖心服务团)"})
    section_id = Id(metadata={"description": "for the section's B-post team (先锋服务队)"})
    name = _name(load_default=None)


class TeamOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    post = ma.fields.String(metadata={"description": "A or B"})
    community_id = ma.fields.Integer()
    grid_id = ma.fields.Integer(allow_none=True)
    section_id = ma.fields.Integer(allow_none=True)
    is_active = ma.fields.Boolean()


class SectionAdminOut(ma.Schema):
    id = ma.fields.Integer()
    grid_id = ma.fields.Integer()
    name = ma.fields.String()
    is_active = ma.fields.Boolean()


class GridAdminOut(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    name = ma.fields.String()
    is_active = ma.fields.Boolean()
    sections = ma.fields.List(ma.fields.Nested(SectionAdminOut))


class CommunityAdminOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    street_id = ma.fields.Integer(allow_none=True)
    district = ma.fields.String(allow_none=True, metadata={"description": "the street's name"})
    is_active = ma.fields.Boolean()


class CommunityTreeOut(CommunityAdminOut):
    grids = ma.fields.List(ma.fields.Nested(GridAdminOut))
    teams = ma.fields.List(ma.fields.Nested(TeamOut))


# --- members and people -------------------------------------------------------------------------


class MemberIn(StrictSchema):
    """Exactly one of: ``user_id``; ``person_id``; ``name`` with ``phone`` (a new person)."""

    user_id = Id()
    person_id = Id()
    name = _name()
    phone = Text(20, min_length=1)


class MemberRemoveIn(StrictSchema):
    user_id = Id()
    person_id = Id()


class MembershipOut(ma.Schema):
    team_id = ma.fields.Integer()
    post = ma.fields.String()
    user_id = ma.fields.Integer(allow_none=True)
    person_id = ma.fields.Integer(allow_none=True)
    linked = ma.fields.Boolean(metadata={"description": "the person has a WeChat account"})
    changed = ma.fields.Boolean(metadata={"description": "false when nothing had to change"})


class TeamMemberOut(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True, metadata={"description": "masked, 138****1234"})
    team_id = ma.fields.Integer()
    post = ma.fields.String()
    joined_at = LocalDateTime()


class PostRefOut(ma.Schema):
    team_id = ma.fields.Integer()
    team_name = ma.fields.String()
    post = ma.fields.String()


class PersonOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True, metadata={"description": "masked, 138****1234"})
    user_id = ma.fields.Integer(allow_none=True)
    linked = ma.fields.Boolean()
    linked_at = LocalDateTime(allow_none=True)
    committee = ma.fields.Boolean(metadata={"description": "holds a committee seat here"})
    posts = ma.fields.List(ma.fields.Nested(PostRefOut))


class PeopleArgs(StrictSchema):
    linked = ma.fields.Boolean(load_default=None, allow_none=True)
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class InvitationIn(StrictSchema):
    person_id = Id(required=True)


class InvitationOut(ma.Schema):
    code = ma.fields.String(metadata={"description": "one-time code to hand to the person"})
    person_id = ma.fields.Integer()
    community_id = ma.fields.Integer(allow_none=True)
    expires_at = LocalDateTime()


class InvitationArgs(StrictSchema):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(
        ["open", "used", "revoked", "expired"]), metadata={"description": "only codes in this state"})
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class UserRefOut(ma.Schema):
    user_id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)


class InvitationAdminOut(ma.Schema):
    """One code of the community: for whom, by whom, and who used it."""

    id = ma.fields.Integer()
    state = ma.fields.String(metadata={"description": "open, used, revoked or expired"})
    code = ma.fields.String(allow_none=True, metadata={"description": "only while open"})
    person_id = ma.fields.Integer()
    person_name = ma.fields.String()
    issued_by = ma.fields.Nested(UserRefOut, allow_none=True)
    created_at = LocalDateTime()
    expires_at = LocalDateTime()
    revoked_at = LocalDateTime(allow_none=True)
    redeemed_at = LocalDateTime(allow_none=True)
    redeemed_by = ma.fields.Nested(UserRefOut, allow_none=True,
                                   metadata={"description": "the account that redeemed it"})


class RedeemIn(StrictSchema):
    code = Text(32, min_length=4, required=True)


class LinkedOut(ma.Schema):
    """The caller after linking: the person they were imported as, their roles and teams."""

    person_id = ma.fields.Integer()
    roles = ma.fields.List(ma.fields.String())
    teams = ma.fields.List(ma.fields.Nested(TeamRefOut))
    committee_of = ma.fields.List(ma.fields.Integer())


# --- roles and audit ----------------------------------------------------------------------------


class RoleIn(StrictSchema):
    """``user_id`` (an account) or ``person_id`` (imported, maybe not yet logged in)."""

    role = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["committee", "street", "county", "admin"]))
    user_id = Id()
    person_id = Id()
    community_id = Id(metadata={"description": "required for committee"})
    street_id = Id(metadata={"description": "required for street"})


class RoleOut(ma.Schema):
    role = ma.fields.String()
    user_id = ma.fields.Integer(allow_none=True)
    person_id = ma.fields.Integer(allow_none=True)
    community_id = ma.fields.Integer(allow_none=True)
    street_id = ma.fields.Integer(allow_none=True)


class AuditOut(ma.Schema):
    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: operator CLI"})
    action = ma.fields.String()
    subject = ma.fields.String()
    subject_id = ma.fields.Integer(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)
    person_id = ma.fields.Integer(allow_none=True)
    community_id = ma.fields.Integer(allow_none=True)
    data = ma.fields.Dict(allow_none=True)
    created_at = LocalDateTime()


class AuditArgs(StrictSchema):
    community_id = ma.fields.Integer(load_default=None,
                                     validate=ma.validate.Range(min=1, max=MAX_ID))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


# --- catalogue ----------------------------------------------------------------------------------

def CommitteeMinutes(**kwargs) -> ma.fields.Integer:  # noqa: N802 - reads like a field class
    return ma.fields.Integer(strict=True, allow_none=True,
                             validate=ma.validate.Range(min=1, max=7 * 24 * 60), metadata={
                                 "description": "minutes the committee has to act on work at its "
                                                "hop before it escalates to the street (督办); "
                                                "null: no deadline"}, **kwargs)


class CategoryIn(StrictSchema):
    code = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^[a-z][a-z0-9_]{0,31}$", error="lower-case letters, digits and _, at most 32"))
    name = Text(32, min_length=1, required=True)
    description = Text(200, load_default=None, allow_none=True)
    accept_minutes = ma.fields.Integer(required=True, strict=True,
                                       validate=ma.validate.Range(min=1, max=7 * 24 * 60))
    resolve_hours = ma.fields.Integer(required=True, strict=True,
                                      validate=ma.validate.Range(min=1, max=365 * 24))
    committee_minutes = CommitteeMinutes(load_default=None)
    dispatch_order = ma.fields.List(ma.fields.String(metadata={"enum": [h.value for h in DISPATCH_HOPS]}),
                                    required=True, validate=ma.validate.Length(min=1, max=3),
                                    metadata={"uniqueItems": True})
    sort = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10_000))


class CategoryPatch(StrictSchema):
    name = Text(32, min_length=1)
    description = Text(200, allow_none=True)
    accept_minutes = ma.fields.Integer(strict=True,
                                       validate=ma.validate.Range(min=1, max=7 * 24 * 60))
    resolve_hours = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=365 * 24))
    committee_minutes = CommitteeMinutes()
    dispatch_order = ma.fields.List(ma.fields.String(metadata={"enum": [h.value for h in DISPATCH_HOPS]}),
                                    validate=ma.validate.Length(min=1, max=3),
                                    metadata={"uniqueItems": True})
    sort = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10_000))
    is_active = ma.fields.Boolean()


class CategoryAdminOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    accept_minutes = ma.fields.Integer()
    committee_minutes = ma.fields.Integer(allow_none=True)
    resolve_hours = ma.fields.Integer()
    dispatch_order = ma.fields.Function(lambda c: c.dispatch_order.split(","))
    sort = ma.fields.Integer()
    is_active = ma.fields.Boolean()


class DepartmentIn(StrictSchema):
    code = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^[a-z][a-z0-9_]{0,31}$", error="lower-case letters, digits and _, at most 32"))
    name = Text(64, min_length=1, required=True)
    response_hours = ma.fields.Integer(required=True, strict=True,
                                       validate=ma.validate.Range(min=1, max=90 * 24))


class DepartmentPatch(StrictSchema):
    name = Text(64, min_length=1)
    response_hours = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=90 * 24))
    is_active = ma.fields.Boolean()


class DepartmentAdminOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    response_hours = ma.fields.Integer(metadata={"description": "hours to report back and respond"})
    is_active = ma.fields.Boolean()


# --- import -------------------------------------------------------------------------------------


class ImportFileIn(ma.Schema):
    file = ma.fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


class ImportArgs(StrictSchema):
    dry_run = ma.fields.Boolean(load_default=False)
    prune = ma.fields.Boolean(load_default=False, metadata={
        "description": "sync mode: within the communities the file names (no other), retire "
                       "the grids, sections, teams and posts it does not list; refused (42220) "
                       "while open requests are in such a place or held by its teams"})


class _Retired(ma.Schema):
    grids = ma.fields.List(ma.fields.Dict())
    sections = ma.fields.List(ma.fields.Dict())
    teams = ma.fields.List(ma.fields.Dict())
    posts = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "team posts retired: team, person_id, masked name and phone"})


class ImportOut(ma.Schema):
    rows = ma.fields.Integer()
    dry_run = ma.fields.Boolean()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            metadata={"description": "rows created (all 0 on a re-import)"})
    prune = ma.fields.Boolean()
    moved = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "sections moved to another grid: community_code, section, from_grid, "
                       "to_grid"})
    retired = ma.fields.Nested(_Retired, metadata={
        "description": "with prune: what is (or on a dry run would be) retired"})
