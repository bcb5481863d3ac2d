"""``GET /readyz`` (readiness, for load balancers and orchestrators) and ``GET /metrics``
(Prometheus, behind ``METRICS_TOKEN``). Both are outside the mini-program's API."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, request

from server import clock
from server.errors import Code
from server.http import error_response
from server.ops import health, metrics
from server.version import VERSION

blp = Blueprint("ops", __name__)


@blp.get("/readyz")
def readyz():
    """200 when the database answers, the schema is at head and Redis (if configured) answers;
    503 ``50306`` with the reasons otherwise."""
    found = health.checks(current_app)
    failing = {name: [reason] for name, reason in found.items() if reason}
    if failing:
        return error_response(503, Code.NOT_READY, "服务未就绪", errors=failing, headers={"Retry-After": "5"})
    return {"code": 0, "msg": "ok", "data": {**{name: "ok" for name in found}, "version": VERSION}}


@blp.get("/metrics")
def prometheus():
    """The Prometheus exposition; 404 unless ``METRICS_TOKEN`` is set, 401 without it."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return error_response(404, Code.NOT_FOUND, "未找到")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return error_response(401, Code.UNAUTHENTICATED, "请先登录", headers={"WWW-Authenticate": "Bearer"})
    body = metrics.exposition(clock.now())
    return Response(body, headers={"Cache-Control": "no-store"},
                    content_type="text/plain; version=0.0.4; charset=utf-8")
