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


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def from_environment() -> dict:
    """Build the config mapping that ``create_app`` applies."""
    env = _env("HUYING_ENV", "development")
    production = env == "production"
    return {
        "ENV_NAME": env,
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{INSTANCE / 'huying.db'}"),
        "SECRET_KEY": _env("SECRET_KEY", None if production else "dev-secret-change-me-in-production"),
        "JWT_ACCESS_MINUTES": _int("JWT_ACCESS_MINUTES", 30),
        "JWT_REFRESH_DAYS": _int("JWT_REFRESH_DAYS", 30),
        "WECHAT_APPID": _env("WECHAT_APPID", None if production else "wx-dev-appid"),
        "WECHAT_SECRET": _env("WECHAT_SECRET", None if production else "dev-secret"),
        # Development mounts the fake WeChat on the app itself under /__wechat__.
        "WECHAT_API_BASE": _env("WECHAT_API_BASE", None if production else "http://127.0.0.1:5000/__wechat__"),
        "WECHAT_FAKE": (_env("WECHAT_FAKE", "0" if production else "1") == "1"),
        "WECHAT_TIMEOUT": float(_env("WECHAT_TIMEOUT", "5")),
        "UPLOAD_FOLDER": _env("UPLOAD_FOLDER", str(INSTANCE / "uploads")),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        "MAX_IMAGE_PIXELS": _int("MAX_IMAGE_PIXELS", 40_000_000),
        "TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "REOPEN_WINDOW_DAYS": _int("REOPEN_WINDOW_DAYS", 7),
        "REDIS_URL": _env("REDIS_URL"),
    }


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe for its environment."""


def check(config: dict) -> None:
    """Refuse to run production with development settings."""
    if config.get("ENV_NAME") != "production":
        return
    problems = []
    if not config.get("SECRET_KEY") or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to at least 32 characters")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("DATABASE_URL must point to PostgreSQL")
    if config.get("WECHAT_FAKE"):
        problems.append("the fake WeChat cannot be used in production (unset WECHAT_FAKE)")
    for key in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_API_BASE"):
        if not config.get(key):
            problems.append(f"{key} must be set")
    if config.get("DEBUG"):
        problems.append("debug mode must be off")
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
