"""JWT access and refresh tokens.

The identity is the user id as a string; roles travel as a claim for the client's sake, but
committee and admin powers are re-checked against the database on every use. Refresh tokens
rotate: each refresh revokes the one presented, and presenting a revoked refresh token again
(a stolen copy, most likely) revokes its whole family.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import select

from server.accounts.models import RevokedToken, User
from server.errors import Code
from server.extensions import db, jwt


def init_app(app) -> None:
    app.config.setdefault("JWT_SECRET_KEY", app.config["SECRET_KEY"])
    app.config.setdefault("JWT_ACCESS_TOKEN_EXPIRES", timedelta(minutes=app.config["JWT_ACCESS_MINUTES"]))
    app.config.setdefault("JWT_REFRESH_TOKEN_EXPIRES", timedelta(days=app.config["JWT_REFRESH_DAYS"]))
    app.config.setdefault("JWT_TOKEN_LOCATION", ["headers"])
    app.config.setdefault("JWT_ALGORITHM", "HS256")
    jwt.init_app(app)


def _unauthorized(msg: str = "登录已失效，请重新登录"):
    from server.http import error_response

    return error_response(401, Code.TOKEN_INVALID, msg)


@jwt.unauthorized_loader
def _missing(_reason):
    return _unauthorized("请先登录")


@jwt.invalid_token_loader
def _invalid(_reason):
    return _unauthorized()


@jwt.expired_token_loader
def _expired(_header, _payload):
    return _unauthorized("登录已过期，请重新登录")


@jwt.revoked_token_loader
def _revoked(_header, _payload):
    return _unauthorized()


@jwt.needs_fresh_token_loader
def _not_fresh(_header, _payload):
    return _unauthorized()


@jwt.token_verification_failed_loader
def _verification_failed(_header, _payload):
    return _unauthorized()


@jwt.user_lookup_error_loader
def _no_user(_header, _payload):
    return _unauthorized()


@jwt.user_lookup_loader
def _load_user(_header, payload):
    user = db.session.get(User, int(payload["sub"]))
    return user if user is not None and user.is_active else None


@jwt.token_in_blocklist_loader
def _is_revoked(_header, payload) -> bool:
    from server import clock
    from server.accounts.service import revoke_family

    family = f"family:{payload.get('fam')}"
    found = dict(db.session.execute(
        select(RevokedToken.jti, RevokedToken.reason).where(
            RevokedToken.jti.in_([payload["jti"], family])
        )
    ).all())
    if found.get(payload["jti"]) == "rotated" and family not in found:
        # A refresh token that was already exchanged came back: someone holds a copy.
        revoke_family(payload, int(payload["sub"]), clock.now())
    return bool(found)


def issue(user: User, *, family: str | None = None) -> dict:
    """A new access/refresh pair for ``user`` (a new family unless one is given)."""
    family = family or uuid.uuid4().hex
    claims = {"roles": user.roles, "fam": family}
    return {
        "access_token": create_access_token(identity=str(user.id), additional_claims=claims),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=claims),
    }


def decode(token: str) -> dict:
    return decode_token(token, allow_expired=True)
