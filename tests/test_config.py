"""Production refuses development settings."""

from __future__ import annotations

import pytest

from server.config import DEV_SECRET_KEY, ConfigError, check

GOOD = {
    "ENV_NAME": "production",
    "SECRET_KEY": "AaDe8w_LNyI7Kci5pRcEiG60tP_7i6Utx0At0WRSJvsxp5dhKSWpChcmUIzukCGg",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://huying@db/huying",
    "WECHAT_FAKE": False,
    "WECHAT_APPID": "wx123",
    "WECHAT_SECRET": "s3cret",
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
    "WECHAT_PUSH_TOKEN": "push-token-from-the-console",
    "PUBLIC_BASE_URL": "https://huying.example.cn",
    "DEBUG": False,
}


def test_good_production_settings_pass():
    check(GOOD)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "PostgreSQL"),
        ({"WECHAT_FAKE": True}, "fake WeChat"),
        ({"WECHAT_SECRET": None}, "WECHAT_SECRET"),
        ({"DEBUG": True}, "debug"),
    ],
)
def test_unsafe_production_settings_refuse_to_start(change, words):
    with pytest.raises(ConfigError, match=words):
        check({**GOOD, **change})


@pytest.mark.parametrize("key", [
    DEV_SECRET_KEY,                                   # the public development default
    "dev-secret-change-me-in-production-please-2026",  # a default with a suffix
    "x" * 64,                                         # long, no randomness
    "abababababababababababababababababababab",
    "0123456789" * 4,                                 # a pattern, not a secret
    "correcthorsebatterystaple-correcthorse",         # words, low per-character entropy
    "my-huying-production-key-do-not-share-9",        # the project's name in it
])
def test_production_refuses_development_and_low_entropy_keys(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check({**GOOD, "SECRET_KEY": key})


def test_generated_keys_pass_the_entropy_check():
    import secrets

    for _ in range(20):
        check({**GOOD, "SECRET_KEY": secrets.token_urlsafe(48)})
        check({**GOOD, "SECRET_KEY": secrets.token_hex(32)})


def test_development_is_not_checked():
    check({"ENV_NAME": "development", "SECRET_KEY": "dev"})


def test_create_app_refuses_production_with_the_fake(monkeypatch):
    from server import create_app

    monkeypatch.setenv("HUYING_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()
