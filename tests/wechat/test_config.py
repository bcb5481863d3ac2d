"""Production refuses to start without real WeChat settings or with the fake."""

from __future__ import annotations

import pytest

from server.config import ConfigError, check
from server.wechat.templates import DEFAULT_TEMPLATES

REAL = {
    "ENV_NAME": "production", "SECRET_KEY": "AaDe8w_LNyI7Kci5pRcEiG60tP_7i6Utx0At0WRSJvsxp5dhKSWpChcmUIzukCGg",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://huying@db/huying",
    "WECHAT_FAKE": False, "WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "0" * 32,
    "WECHAT_API_BASE": "https://api.weixin.qq.com", "WECHAT_PUSH_TOKEN": "push-token-123",
    "PUBLIC_BASE_URL": "https://huying.example.org",
    "WECHAT_TEMPLATES": {k: {**t, "id": f"real-{k}"} for k, t in DEFAULT_TEMPLATES.items()},
}


def test_real_settings_start():
    check(REAL)


@pytest.mark.parametrize(("change", "problem"), [
    ({"WECHAT_FAKE": True}, "fake WeChat"),
    ({"WECHAT_APPID": "wx-dev-appid"}, "WECHAT_APPID still has its development value"),
    ({"WECHAT_SECRET": "dev-secret"}, "WECHAT_SECRET still has its development value"),
    ({"WECHAT_SECRET": None}, "WECHAT_SECRET must be set"),
    ({"WECHAT_API_BASE": "http://127.0.0.1:5000/__wechat__"}, "WECHAT_API_BASE must be"),
    ({"WECHAT_PUSH_TOKEN": None}, "WECHAT_PUSH_TOKEN must be set"),
    ({"PUBLIC_BASE_URL": "http://huying.example.org"}, "PUBLIC_BASE_URL must be HTTPS"),
    ({"WECHAT_TEMPLATES": DEFAULT_TEMPLATES}, "has no real template id"),
])
def test_unsafe_settings_are_refused(change, problem):
    with pytest.raises(ConfigError, match=problem):
        check({**REAL, **change})


def test_templates_from_the_environment_merge_over_the_defaults(monkeypatch):
    from server.config import from_environment

    monkeypatch.setenv("WECHAT_TEMPLATES", '{"new_task": {"id": "abc"}}')
    templates = from_environment()["WECHAT_TEMPLATES"]
    assert templates["new_task"]["id"] == "abc"
    assert templates["new_task"]["fields"] == DEFAULT_TEMPLATES["new_task"]["fields"]
