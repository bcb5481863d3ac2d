"""A liveness probe that touches nothing: no database, no session, no login.

Load balancers poll it, and the benchmark uses it as its baseline: what the same server and
configuration can answer when the application does no work at all.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from server.http import Blueprint, dumps

blp = Blueprint("ping", __name__, url_prefix="/api/v1", description="探活 Liveness")


class PingOut(ma.Schema):
    pong = ma.fields.Boolean(metadata={"description": "always true"})


_PONG = dumps({"code": 0, "msg": "ok", "data": {"pong": True}})  # the envelope, encoded once


@blp.get("/ping")
@blp.response(200, PingOut)
def ping():
    """Answer at once, without the database (liveness probe and benchmark baseline)."""
    return Response(_PONG, mimetype="application/json")
