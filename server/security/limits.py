"""Abuse limits (Flask-Limiter) on login, submission, uploads, invitation codes, Open311 and the
public pages.

Limits are attached by endpoint name here, in one table, so that the views stay thin and a
newcomer finds every limit in one place. Storage is Redis when ``REDIS_URL`` is set (every
web process shares the counters) and memory otherwise (development, tests).

A breach answers 429 with ``Retry-After``: the JSON envelope on the API, an HTML page on the
sunlight pages. ``ABUSE_LIMITS=0`` switches every limit off (the test suite does, except in
the tests that prove the limits).
"""

from __future__ import annotations

import hashlib
from functools import partial

from flask import Flask, current_app, render_template, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from server.errors import Code
from server.http import error_response
from server.open311.render import errors as open311_errors

# endpoint -> (config key of its limit, whom it counts)
ENDPOINT_LIMITS = {
    "auth.wechat_login": ("RATELIMIT_LOGIN", "address"),
    "auth.refresh": ("RATELIMIT_LOGIN", "address"),
    "uploads.upload": ("RATELIMIT_UPLOAD", "user"),
    "open311.post_request": ("RATELIMIT_OPEN311_POST", "api_key"),
}
# Submissions: what was accepted counts against RATELIMIT_SUBMIT; a refused one (a description
# too short, a risky text) must not use up the resident's submissions.
SUCCESS_LIMITS = {
    "requests.submit": [("RATELIMIT_SUBMIT", "user")],
}
# Counted only when refused. Guessing invitation codes: wrong codes, per user and per code
# tried. Submissions: a looser budget for refusals, so that a script cannot hammer validation.
FAILURE_LIMITS = {
    "invitations.redeem": [("RATELIMIT_REDEEM", "user"), ("RATELIMIT_REDEEM_CODE", "code")],
    "requests.submit": [("RATELIMIT_SUBMIT_REFUSED", "user")],
}
# Open311 reads share one budget per address and one per key (when a key is sent); a list
# costs one unit per 100 rows asked for (``page_size``, 1000 by default).
OPEN311_READS = ["open311.discovery", "open311.services", "open311.service_definition",
                 "open311.list_requests", "open311.get_request", "open311.token", "open311.updates"]
# blueprint -> config key: every page of it, counted per address
BLUEPRINT_LIMITS = {
    "sunlight": "RATELIMIT_PUBLIC",
    "public": "RATELIMIT_PUBLIC",
}


def _address() -> str:
    return f"ip:{get_remote_address()}"


def _user_or_address() -> str:
    """The caller's user id when the bearer token is genuine, else the address.

    A forged token cannot pick someone else's bucket: its signature fails and the address is
    counted (and the view answers 401 anyway).
    """
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        try:
            return f"user:{decode_token(header[7:])['sub']}"
        except Exception:  # noqa: BLE001 - any undecodable token counts against the address
            pass
    return _address()


def _digest(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:24]}"


def _code() -> str:
    """The invitation code tried, normalised as redemption does (never stored in clear)."""
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str):
        return _address()
    return _digest("code", "".join(code.split()).replace("-", "").upper())


def _api_key() -> str:
    key = request.form.get("api_key") or request.args.get("api_key")
    return _digest("open311", key) if key else _address()


def _no_api_key() -> bool:
    return not (request.form.get("api_key") or request.args.get("api_key"))


def _page_cost() -> int:
    if request.endpoint not in ("open311.list_requests", "open311.updates"):
        return 1
    size = request.args.get("page_size", "")
    rows = int(size) if size.isascii() and size.isdigit() and len(size) <= 4 else 1000
    return max(1, min(rows, 1000) // 100)


def _failed(response) -> bool:
    return response.status_code >= 400


def _succeeded(response) -> bool:
    return response.status_code < 400


_KEYS = {"address": _address, "user": _user_or_address, "code": _code, "api_key": _api_key}


def _limit_of(key: str):
    return lambda: current_app.config[key]


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "huying")
    limiter = Limiter(key_func=_address, default_limits=[])
    limiter.init_app(app)
    limiter.request_filter(lambda: not current_app.config["ABUSE_LIMITS"])
    app.extensions["abuse_limiter"] = limiter

    for endpoint, (config_key, who) in ENDPOINT_LIMITS.items():
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(_limit_of(config_key), key_func=_KEYS[who])(view)
    for limits_of, deduct_when in ((SUCCESS_LIMITS, _succeeded), (FAILURE_LIMITS, _failed)):
        for endpoint, limits in limits_of.items():
            view = app.view_functions[endpoint]
            for config_key, who in limits:
                view = limiter.limit(_limit_of(config_key), key_func=_KEYS[who],
                                     deduct_when=deduct_when)(view)
            app.view_functions[endpoint] = view
    per_address = limiter.shared_limit(_limit_of("RATELIMIT_OPEN311_READ"), "open311-read",
                                       key_func=_address, cost=_page_cost)
    per_key = limiter.shared_limit(_limit_of("RATELIMIT_OPEN311_READ"), "open311-read-key",
                                   key_func=_api_key, cost=_page_cost, exempt_when=_no_api_key)
    for endpoint in OPEN311_READS:
        app.view_functions[endpoint] = per_key(per_address(app.view_functions[endpoint]))
    for name, config_key in BLUEPRINT_LIMITS.items():
        limiter.limit(_limit_of(config_key), key_func=_address)(app.blueprints[name])
    _only_where_limited(app, limiter)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded):
        if request.blueprint == "sunlight":
            return render_template("sunlight/error.html", status=429,
                                   msg="访问太频繁，请稍后再试"), 429
        if request.blueprint == "open311":  # the spec's error format
            fmt = "xml" if request.path.endswith(".xml") else "json"
            return open311_errors(fmt, 429, ["请求太频繁，请稍后再试"])
        return error_response(429, Code.TOO_MANY_REQUESTS, "操作太频繁，请稍后再试")


def _only_where_limited(app: Flask, limiter: Limiter) -> None:
    """Run the limiter's per-request hooks only where a limit applies.

    Flask-Limiter checks, counts and cleans up on every request (``before_request``,
    ``after_request``, ``teardown_request``): about a fifth of the cost of a no-op request
    (``GET /api/v1/ping``) for nothing, since there are no default or application limits.
    Only the endpoints that carry a limit (``ENDPOINT_LIMITS``, ``SUCCESS_LIMITS`` and
    ``FAILURE_LIMITS``, whose
    deductions are counted after the response, ``OPEN311_READS``) and the blueprints of
    ``BLUEPRINT_LIMITS`` need them.
    """
    named = {*ENDPOINT_LIMITS, *SUCCESS_LIMITS, *FAILURE_LIMITS, *OPEN311_READS}
    endpoints = frozenset(
        name for name in app.view_functions
        if name in named or "." in name and name.partition(".")[0] in BLUEPRINT_LIMITS)

    def limited() -> bool:
        return request.endpoint in endpoints

    def guard(hook, passthrough: bool):
        def guarded(*args):
            if limited():
                return hook(*args)
            return args[0] if passthrough else None

        return guarded

    def ours(hook) -> bool:
        return getattr(hook, "__self__", None) is limiter or (
            isinstance(hook, partial) and hook.args[:1] == (limiter,))

    for table, passthrough in ((app.before_request_funcs, False),
                               (app.after_request_funcs, True),
                               (app.teardown_request_funcs, False)):
        hooks = table.setdefault(None, [])
        hooks[:] = [guard(h, passthrough) if ours(h) else h for h in hooks]
