"""Use cases of accounts: WeChat login, token refresh and logout, role checks."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import exists, select
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


def is_committee_of(user_id: int, community_id: int) -> bool:
    """Fresh from the database: a demoted committee member loses the power at once."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    RoleGrant.user_id == user_id,
                    RoleGrant.role == Role.COMMITTEE,
                    RoleGrant.community_id == community_id,
                )
            )
        )
    )


def committee_communities(user_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoleGrant.community_id).where(
                RoleGrant.user_id == user_id, RoleGrant.role == Role.COMMITTEE
            )
        )
    )


def grants_by_role(user: User) -> dict[str, set[int | None]]:
    """``user``'s roles from ``user.grants``, each with what it is scoped to: the communities
    of committee grants, the streets of street grants (None for an unscoped role). The token
    check loads the grants with the user in the request's own transaction, so this is as fresh
    as ``is_committee_of`` without a statement per question."""
    found: dict[str, set[int | None]] = {}
    for grant in user.grants:
        scope = grant.community_id if grant.role == Role.COMMITTEE else (
            grant.street_id if grant.role == Role.STREET else None)
        found.setdefault(grant.role, set()).add(scope)
    return found


def street_of(community_id: int) -> int | None:
    """The street a community belongs to (None when it has none)."""
    from server.grid.models import Community

    return db.session.scalar(select(Community.street_id).where(Community.id == community_id))


def has_role(user_id: int, role: Role) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(RoleGrant.user_id == user_id, RoleGrant.role == role))
        )
    )


def street_ids_of(user_id: int) -> list[int]:
    """The streets whose staff ``user_id`` is (role ``street``), fresh from the database."""
    return list(db.session.scalars(select(RoleGrant.street_id).where(
        RoleGrant.user_id == user_id, RoleGrant.role == Role.STREET,
        RoleGrant.street_id.is_not(None))))


def is_county(user_id: int) -> bool:
    return has_role(user_id, Role.COUNTY)


def supervises_community(user_id: int, community_id: int) -> bool:
    """Staff above the community: the county centre, or the street the community belongs to."""
    from server.grid.models import Community

    if is_county(user_id):
        return True
    return bool(db.session.scalar(select(exists().where(
        Community.id == community_id, Community.street_id.is_not(None),
        RoleGrant.user_id == user_id, RoleGrant.role == Role.STREET,
        RoleGrant.street_id == Community.street_id))))


def keep_one_admin(user_id: int) -> None:
    """Refuse (409) to take the platform's last admin away: revoking the role or deleting the
    account. The admin grants are locked first, so two admins removing each other at once cannot
    both pass the count."""
    lock_rows(RoleGrant, RoleGrant.role == Role.ADMIN)
    admins = db.session.scalars(select(RoleGrant.user_id).where(RoleGrant.role == Role.ADMIN)).all()
    if user_id in admins and len(set(admins)) <= 1:
        raise Conflict("不能移除最后一位平台管理员", code=Code.LAST_ADMIN)
