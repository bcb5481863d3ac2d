"""Configuration from environment variables.

Development is the default: an embedded SQLite database in ``instance/`` and the bundled fake
WeChat mounted on the same server. Production (``HUYING_ENV=production``) refuses to start
unless it is given real settings.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


# The development key is public (it is in this file): production refuses it, and any key that
# looks like it, by its words or by its lack of randomness.
DEV_SECRET_KEY = "dev-secret-change-me-in-production"
# Words of six or more letters: a random key contains one by chance less than once in 10^8.
_DEV_KEY_WORDS = ("secret", "change", "example", "password", "huying", "default", "production")
MIN_SECRET_KEY_BITS = 160


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def local_base_url() -> str:
    """Where ``make run`` serves in development: ``http://HOST:PORT`` (127.0.0.1:5000 by default).

    The fake WeChat is mounted on that same server and the photos are served from it, so both
    development defaults follow ``HOST`` and ``PORT`` instead of assuming port 5000. A server
    listening on every interface (0.0.0.0, ::) is reached on loopback.
    """
    host = _env("HOST", "127.0.0.1")
    port = _int("PORT", 5000)
    if host in {"0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


def from_environment() -> dict:
    """Build the config mapping that ``create_app`` applies."""
    env = _env("HUYING_ENV", "development")
    production = env == "production"
    local = local_base_url()
    return {
        "ENV_NAME": env,
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{INSTANCE / 'huying.db'}"),
        "SECRET_KEY": _env("SECRET_KEY", None if production else DEV_SECRET_KEY),
        "JWT_ACCESS_MINUTES": _int("JWT_ACCESS_MINUTES", 30),
        "JWT_REFRESH_DAYS": _int("JWT_REFRESH_DAYS", 30),
        "WECHAT_APPID": _env("WECHAT_APPID", None if production else "wx-dev-appid"),
        "WECHAT_SECRET": _env("WECHAT_SECRET", None if production else "dev-secret"),
        # Development mounts the fake WeChat on the app itself under /__wechat__.
        "WECHAT_API_BASE": _env("WECHAT_API_BASE", None if production else f"{local}/__wechat__"),
        "WECHAT_FAKE": (_env("WECHAT_FAKE", "0" if production else "1") == "1"),
        "WECHAT_TIMEOUT": float(_env("WECHAT_TIMEOUT", "5")),
        "UPLOAD_FOLDER": _env("UPLOAD_FOLDER", str(INSTANCE / "uploads")),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        "MAX_IMAGE_PIXELS": _int("MAX_IMAGE_PIXELS", 40_000_000),
        "TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "REOPEN_WINDOW_DAYS": _int("REOPEN_WINDOW_DAYS", 7),
        # A request reopened more often than this goes to the committee (0: no cap).
        "REOPEN_MAX": _int("REOPEN_MAX", 2),
        "REDIS_URL": _env("REDIS_URL"),
        # How long a worker may answer a checked access token from memory (server/accounts/
        # tokencache.py; only with REDIS_URL, whose stamps announce every change at once; 0: off).
        "AUTH_CACHE_SECONDS": _int("AUTH_CACHE_SECONDS", 30),
        # WeChat platform services (server/wechat): see docs/wechat.md.
        "WECHAT_PUSH_TOKEN": _env("WECHAT_PUSH_TOKEN", None if production else "dev-push-token"),
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", None if production else local),
        "WECHAT_CONTENT_CHECK": _env("WECHAT_CONTENT_CHECK", "1") == "1",
        "WECHAT_MINIPROGRAM_STATE": _env("WECHAT_MINIPROGRAM_STATE",
                                         "formal" if production else "developer"),
        "WECHAT_TEMPLATES": _templates(_env("WECHAT_TEMPLATES")),
        # Duty, lights and the notifications outbox (server/duty, server/notifications).
        "LIGHT_YELLOW_SHARE": float(_env("LIGHT_YELLOW_SHARE", "0.75")),
        "NOTIFY_CHANNELS": _env("NOTIFY_CHANNELS", "inbox,wechat" if production else "inbox"),
        "NOTIFY_BACKOFF_SECONDS": _int("NOTIFY_BACKOFF_SECONDS", 30),
        "NOTIFY_BACKOFF_MAX_SECONDS": _int("NOTIFY_BACKOFF_MAX_SECONDS", 3600),
        "NOTIFY_MAX_ATTEMPTS": _int("NOTIFY_MAX_ATTEMPTS", 8),
        "ESCALATION_CHUNK": _int("ESCALATION_CHUNK", 100),
        # Administration, in-service members, the sunlight list.
        "INVITATION_DAYS": _int("INVITATION_DAYS", 14),
        "INSERVICE_REMINDER_DAYS": _int("INSERVICE_REMINDER_DAYS", 30),
        "SUNLIGHT_WINDOW_DAYS": _int("SUNLIGHT_WINDOW_DAYS", 30),
        "SUNLIGHT_CACHE_SECONDS": _int("SUNLIGHT_CACHE_SECONDS", 60),
        # Retention (server/retention): days after closing before a request is anonymised.
        "RETENTION_DAYS": _int("RETENTION_DAYS", 365),
        # Hardening (server/security): abuse limits, open-request cap, headers, CORS.
        "ABUSE_LIMITS": _env("ABUSE_LIMITS", "1") == "1",
        "RATELIMIT_LOGIN": _env("RATELIMIT_LOGIN", "20 per minute;200 per hour"),
        "RATELIMIT_SUBMIT": _env("RATELIMIT_SUBMIT", "5 per minute;30 per day"),  # accepted ones
        "RATELIMIT_SUBMIT_REFUSED": _env("RATELIMIT_SUBMIT_REFUSED", "20 per minute;200 per day"),
        "RATELIMIT_UPLOAD": _env("RATELIMIT_UPLOAD", "30 per minute;300 per day"),
        "RATELIMIT_PUBLIC": _env("RATELIMIT_PUBLIC", "120 per minute"),
        # Wrong invitation codes, per user and per code tried (only failures count).
        "RATELIMIT_REDEEM": _env("RATELIMIT_REDEEM", "5 per 10 minutes;20 per day"),
        "RATELIMIT_REDEEM_CODE": _env("RATELIMIT_REDEEM_CODE", "5 per hour"),
        # Open311: posts per key; reads per address and per key, a list costing 1 per 100 rows.
        "RATELIMIT_OPEN311_POST": _env("RATELIMIT_OPEN311_POST", "30 per minute;2000 per day"),
        "RATELIMIT_OPEN311_READ": _env("RATELIMIT_OPEN311_READ", "600 per minute"),
        "OPEN311_MAX_OPEN_REQUESTS": _int("OPEN311_MAX_OPEN_REQUESTS", 500),
        "MAX_OPEN_REQUESTS": _int("MAX_OPEN_REQUESTS", 10),
        "HTML_FRAME_ANCESTORS": _env("HTML_FRAME_ANCESTORS", "'self' https://servicewechat.com"),
        "CORS_ORIGINS": _origins(_env("CORS_ORIGINS", "")),
        # Server-side cache of the community boards (server/sunlight/boardcache.py); 0: off.
        "SUNLIGHT_BOARD_CACHE_SECONDS": _int("SUNLIGHT_BOARD_CACHE_SECONDS",
                                             10 if production else 0),
        # How often a cached board's version is read again (0: at every reading).
        "SUNLIGHT_BOARD_RECHECK_SECONDS": _int("SUNLIGHT_BOARD_RECHECK_SECONDS",
                                               1 if production else 0),
        # Place (server/place): overlaps between sections below this area (m²) are tolerated
        # slivers at boundary import; a point this far (m) outside the section a resident named
        # is flagged to the committee; nearby requests within a default and a capped radius (m).
        "PLACE_SLIVER_M2": float(_env("PLACE_SLIVER_M2", "10")),
        "PLACE_MISMATCH_M": _int("PLACE_MISMATCH_M", 200),
        "NEARBY_DEFAULT_M": _int("NEARBY_DEFAULT_M", 50),
        "NEARBY_MAX_M": _int("NEARBY_MAX_M", 500),
        # The six grades a street gives a department each quarter, best first (comma-separated).
        "DEPARTMENT_GRADES": [g.strip() for g in _env(
            "DEPARTMENT_GRADES", "好,较好,一般,较差,差,很差").split(",") if g.strip()],
        # SQLAlchemy pool per worker process: one connection per thread, a few spare.
        "DB_POOL_SIZE": _int("DB_POOL_SIZE", 5),
        "DB_MAX_OVERFLOW": _int("DB_MAX_OVERFLOW", 5),
        # Operations (server/ops): log format, access log, the metrics endpoint's token.
        "LOG_FORMAT": _env("LOG_FORMAT", "json" if production else "text"),
        "ACCESS_LOG": _env("ACCESS_LOG", "1" if production else "0") == "1",
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        "SCHEDULER_METRICS_ADDR": _env("SCHEDULER_METRICS_ADDR"),
    }


def _origins(raw: str) -> list[str]:
    """Origins allowed to read the API from a browser; none by default (the mini-program
    needs no CORS)."""
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


def _templates(raw: str | None) -> dict:
    """Subscribe templates: JSON ``{kind: {"id", "page"?, "fields": {key: source}}}``, merged
    over the development defaults of ``server.notifications.subscribe``."""
    import json

    from server.wechat.templates import DEFAULT_TEMPLATES

    templates = {kind: dict(t) for kind, t in DEFAULT_TEMPLATES.items()}
    for kind, spec in (json.loads(raw) if raw else {}).items():
        templates[kind] = {**templates.get(kind, {}), **spec}
    return templates


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe for its environment."""


def check(config: dict) -> None:
    """Refuse to run production with development settings."""
    if config.get("ENV_NAME") != "production":
        return
    problems = []
    problems += _secret_key_problems(config.get("SECRET_KEY"))
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("DATABASE_URL must point to PostgreSQL")
    if config.get("WECHAT_FAKE"):
        problems.append("the fake WeChat cannot be used in production (unset WECHAT_FAKE)")
    for key in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_API_BASE", "WECHAT_PUSH_TOKEN",
                "PUBLIC_BASE_URL"):
        if not config.get(key):
            problems.append(f"{key} must be set")
    problems += _wechat_problems(config)
    if config.get("DEBUG"):
        problems.append("debug mode must be off")
    if "*" in (config.get("CORS_ORIGINS") or []):
        problems.append("CORS_ORIGINS must list origins, not '*'")
    if any(not o.startswith("https://") for o in config.get("CORS_ORIGINS") or [] if o != "*"):
        problems.append("CORS_ORIGINS must be HTTPS origins")
    if config.get("ABUSE_LIMITS") and not config.get("REDIS_URL"):
        problems.append("REDIS_URL must be set (abuse-limit counters shared by every process)")
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))


def key_entropy_bits(key: str) -> float:
    """An estimate of a key's randomness: its length times the Shannon entropy of its
    characters. ``secrets.token_urlsafe(32)`` scores about 220, ``"x" * 64`` scores 0."""
    import math
    from collections import Counter

    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def _secret_key_problems(key: str | None) -> list[str]:
    """A signing key that is set, long, not a development default and random enough."""
    hint = "(generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    if not key or len(key) < 32:
        return [f"SECRET_KEY must be set to at least 32 characters {hint}"]
    lowered = key.lower()
    if key == DEV_SECRET_KEY or any(word in lowered for word in _DEV_KEY_WORDS):
        return [f"SECRET_KEY is a development or example key {hint}"]
    if key_entropy_bits(key) < MIN_SECRET_KEY_BITS:
        return [f"SECRET_KEY has too little entropy (a random key is needed) {hint}"]
    return []


_DEV_VALUES = {"WECHAT_APPID": "wx-dev-appid", "WECHAT_SECRET": "dev-secret",
               "WECHAT_PUSH_TOKEN": "dev-push-token"}


def _wechat_problems(config: dict) -> list[str]:
    """Real WeChat credentials and endpoints, not the development ones or the fake's."""
    problems = []
    for key, dev in _DEV_VALUES.items():
        if config.get(key) == dev:
            problems.append(f"{key} still has its development value")
    base = str(config.get("WECHAT_API_BASE") or "")
    if base and (not base.startswith("https://") or "/__wechat__" in base
                 or "127.0.0.1" in base or "localhost" in base):
        problems.append("WECHAT_API_BASE must be WeChat's HTTPS API (https://api.weixin.qq.com)")
    public = str(config.get("PUBLIC_BASE_URL") or "")
    if public and not public.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be HTTPS (WeChat downloads photos from it)")
    if config.get("WECHAT_PUSH_TOKEN") and len(config["WECHAT_PUSH_TOKEN"]) < 3:
        problems.append("WECHAT_PUSH_TOKEN must be the message-push token of the mini-program")
    for kind, template in (config.get("WECHAT_TEMPLATES") or {}).items():
        if str(template.get("id", "")).startswith("dev-"):
            problems.append(f"WECHAT_TEMPLATES: template {kind!r} has no real template id")
    return problems
