"""Abuse limits (Flask-Limiter) on login, submission, uploads and the public pages.

Limits are attached by endpoint name here, in one table, so that the views stay thin and a
newcomer finds every limit in one place. Storage is Redis when ``REDIS_URL`` is set (every
web process shares the counters) and memory otherwise (development, tests).

A breach answers 429 with ``Retry-After``: the JSON envelope on the API, an HTML page on the
sunlight pages. ``ABUSE_LIMITS=0`` switches every limit off (the test suite does, except in
the tests that prove the limits).
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from server.http import error_response

# endpoint -> (config key of its limit, whom it counts)
ENDPOINT_LIMITS = {
    "auth.wechat_login": ("RATELIMIT_LOGIN", "address"),
    "auth.refresh": ("RATELIMIT_LOGIN", "address"),
    "requests.submit": ("RATELIMIT_SUBMIT", "user"),
    "uploads.upload": ("RATELIMIT_UPLOAD", "user"),
}
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


_KEYS = {"address": _address, "user": _user_or_address}


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
    for name, config_key in BLUEPRINT_LIMITS.items():
        limiter.limit(_limit_of(config_key), key_func=_address)(app.blueprints[name])

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded):
        if request.blueprint == "sunlight":
            return render_template("sunlight/error.html", status=429,
                                   msg="访问太频繁，请稍后再试"), 429
        return error_response(429, 42900, "操作太频繁，请稍后再试")
