"""JWT access and refresh tokens.

The identity is the user id as a string; roles travel as a claim for the client's sake, but
committee and admin powers are re-checked against the database on every use. Refresh tokens
rotate: each refresh revokes the one presented, and presenting a revoked refresh token again
(a stolen copy, most likely) revokes its whole family.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from server.accounts import tokencache, verified
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
    verified.init_app(app)


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
    user_id = int(payload["sub"])
    found = g.pop("_token_user", None)  # read with the revocation check, one query for both
    user = found[1] if found is not None and found[0] == user_id else db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


# Built once: constructing this statement and its cache key on every request cost as much as
# running it. The values are bound per request.
_USER_AND_REVOCATIONS = (
    select(User, RevokedToken.jti, RevokedToken.reason)
    .outerjoin(RevokedToken, RevokedToken.jti.in_(bindparam("jtis", expanding=True)))
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.grants))
)


@jwt.token_in_blocklist_loader
def _is_revoked(_header, payload) -> bool:
    """Revoked? One statement reads the user, their roles and the token's revocations.

    flask-jwt-extended asks this before it loads the user: the user read here is handed to
    ``_load_user`` for the same request, so a request with a token costs one round trip,
    not three. With Redis, an access token checked before is answered from ``tokencache``
    while no change to its user (or a revocation) was announced: a revocation takes effect at
    once.
    """
    from server import clock
    from server.accounts.service import revoke_family

    user_id = int(payload["sub"])
    cache = tokencache.of(current_app)
    stamps = None  # refresh tokens (rare, and rotated) always read the database
    if cache is not None and cache.enabled and payload.get("type") == "access":
        stamps = cache.stamps(user_id)
    if stamps is not None:
        cached = cache.get(payload["jti"], stamps, clock.now())
        if cached is not None:
            g._token_user = (user_id, db.session.merge(cached, load=False))
            return False
    family = f"family:{payload.get('fam')}"
    rows = db.session.execute(_USER_AND_REVOCATIONS, {
        "user_id": user_id, "jtis": [payload["jti"], family]}).unique().all()
    if rows:
        g._token_user = (user_id, rows[0][0])
        found = {jti: reason for _, jti, reason in rows if jti is not None}
    else:  # no such user: the lookup refuses the token; still honour a reuse below
        g._token_user = (user_id, None)
        found = dict(db.session.execute(
            select(RevokedToken.jti, RevokedToken.reason).where(
                RevokedToken.jti.in_([payload["jti"], family]))).all())
    if found.get(payload["jti"]) == "rotated" and family not in found:
        # A refresh token that was already exchanged came back: someone holds a copy.
        revoke_family(payload, user_id, clock.now())
    user = g._token_user[1]
    if stamps is not None and not found and user is not None and user.is_active:
        cache.put(payload["jti"], user, stamps, clock.now())
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
