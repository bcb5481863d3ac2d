"""Use cases of accounts: WeChat login, token refresh and logout, role checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts import tokens
from server.accounts.enums import Role
from server.accounts.models import RevokedToken, RoleGrant, User
from server.errors import Code, Conflict, Unauthorized
from server.extensions import db, lock_rows
from server.wechat.client import WeChatClient


def login_with_wechat(*, client: WeChatClient, code: str, now: datetime) -> tuple[User, dict]:
    """Exchange a ``wx.login`` code; the first login creates a resident."""
    session = client.code_to_session(code)
    user = db.session.scalar(select(User).where(User.openid == session.openid))
    if user is None:
        user = User(openid=session.openid, created_at=now)
        user.grants.append(RoleGrant(role=Role.RESIDENT, created_at=now))
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # the same person logged in twice at once
            db.session.rollback()
            user = db.session.scalar(select(User).where(User.openid == session.openid))
    if not user.is_active:
        raise Unauthorized("账号已停用", code=Code.ACCOUNT_DISABLED)
    return user, tokens.issue(user)


def refresh(*, user: User, payload: dict, now: datetime) -> dict:
    """Rotate: revoke the presented refresh token and issue a new pair in the same family.

    Two refreshes with the same token race on the primary key of ``revoked_tokens``; the
    loser is treated as reuse.
    """
    db.session.add(_revocation(payload, user.id, "rotated", now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        revoke_family(payload, user.id, now)
        raise Unauthorized("登录已失效，请重新登录", code=Code.TOKEN_INVALID) from None
    return tokens.issue(user, family=payload["fam"])


def revoke_family(payload: dict, user_id: int, now: datetime, reason: str = "reuse") -> None:
    """Every token of one login dies: on logout, or when a rotated refresh token comes back."""
    key = f"family:{payload['fam']}"
    if db.session.get(RevokedToken, key) is None:
        db.session.add(
            RevokedToken(
                jti=key, user_id=user_id, reason=reason, created_at=now,
                expires_at=now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
            )
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()


def logout(*, user: User, payload: dict, now: datetime) -> None:
    """Revoke the whole login (access and refresh tokens share a family)."""
    revoke_family(payload, user.id, now, reason="logout")


def _revocation(payload: dict, user_id: int, reason: str, now: datetime) -> RevokedToken:
    return RevokedToken(
        jti=payload["jti"], user_id=user_id, reason=reason, created_at=now,
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
    )


def grants_by_role(user: User) -> dict[str, set[int | None]]:
    """``user``'s roles from ``user.grants``, each with what it is scoped to: the communities
    of committee grants, the streets of street grants (None for an unscoped role).

    The one definition of what a user holds: the questions below all answer from it. The token
    check loads the grants with the user in the request's own transaction (one statement), so
    a demoted committee member loses the power at once, without a statement per question.
    Outside a request (jobs, commands) the grants load with the user. Code that adds or removes
    a grant without going through ``user.grants`` expires it (``admin.service.grant``)."""
    found: dict[str, set[int | None]] = {}
    for grant in user.grants:
        scope = grant.community_id if grant.role == Role.COMMITTEE else (
            grant.street_id if grant.role == Role.STREET else None)
        found.setdefault(grant.role, set()).add(scope)
    return found


def has_role(user: User, role: Role) -> bool:
    return role in grants_by_role(user)


def is_county(user: User) -> bool:
    return has_role(user, Role.COUNTY)


def committee_communities(user: User) -> list[int]:
    """The communities whose committee ``user`` sits on, in id order."""
    return _scopes(user, Role.COMMITTEE)


def is_committee_of(user: User, community_id: int) -> bool:
    return community_id in committee_communities(user)


def street_ids_of(user: User) -> list[int]:
    """The streets whose staff ``user`` is (role ``street``), in id order."""
    return _scopes(user, Role.STREET)


def supervises_community(user: User, community_id: int) -> bool:
    """Staff above the community: the county centre, or the street the community belongs to
    (read only when ``user`` is staff of some street)."""
    if is_county(user):
        return True
    streets = street_ids_of(user)
    return bool(streets) and street_of(community_id) in streets


def _scopes(user: User, role: Role) -> list[int]:
    return sorted(scope for scope in grants_by_role(user).get(role, ()) if scope is not None)


def street_of(community_id: int) -> int | None:
    """The street a community belongs to (None when it has none)."""
    from server.grid.models import Community

    return db.session.scalar(select(Community.street_id).where(Community.id == community_id))


def committee_members(community_ids: Iterable[int]) -> dict[int, list[int]]:
    """Who sits on each community's committee (user ids), in one query; communities without
    a committee are absent. ``committee_of`` is the one-community case."""
    ids = sorted(set(community_ids))
    return _holders(ids, select(RoleGrant.community_id, RoleGrant.user_id).where(
        RoleGrant.role == Role.COMMITTEE, RoleGrant.community_id.in_(ids)))


def committee_of(community_id: int) -> list[int]:
    """The user ids of ``community_id``'s committee."""
    return committee_members([community_id]).get(community_id, [])


def street_staff(community_ids: Iterable[int]) -> dict[int, list[int]]:
    """The staff of the street each community belongs to (user ids), in one query."""
    from server.grid.models import Community

    ids = sorted(set(community_ids))
    return _holders(ids, select(Community.id, RoleGrant.user_id).select_from(RoleGrant)
                    .join(Community, Community.street_id == RoleGrant.street_id)
                    .where(RoleGrant.role == Role.STREET, Community.id.in_(ids)))


def street_staff_of(community_id: int) -> list[int]:
    """The user ids of the staff of ``community_id``'s street."""
    return street_staff([community_id]).get(community_id, [])


def _holders(community_ids: list[int], query) -> dict[int, list[int]]:
    """(community, user) rows of ``query`` grouped by community; no statement for none."""
    if not community_ids:
        return {}
    found: dict[int, list[int]] = {}
    for community_id, user_id in db.session.execute(query):
        found.setdefault(community_id, []).append(user_id)
    return found


def keep_one_admin(user_id: int) -> None:
    """Refuse (409) to take the platform's last admin away: revoking the role or deleting the
    account. The admin grants are locked first, so two admins removing each other at once cannot
    both pass the count."""
    lock_rows(RoleGrant, RoleGrant.role == Role.ADMIN)
    admins = db.session.scalars(select(RoleGrant.user_id).where(RoleGrant.role == Role.ADMIN)).all()
    if user_id in admins and len(set(admins)) <= 1:
        raise Conflict("不能移除最后一位平台管理员", code=Code.LAST_ADMIN)
