"""Production refuses development settings."""

from __future__ import annotations

import pytest

from server.config import ConfigError, check

GOOD = {
    "ENV_NAME": "production",
    "SECRET_KEY": "x" * 40,
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


def test_development_is_not_checked():
    check({"ENV_NAME": "development", "SECRET_KEY": "dev"})


def test_create_app_refuses_production_with_the_fake(monkeypatch):
    from server import create_app

    monkeypatch.setenv("HUYING_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()
