"""Production refuses development settings."""

from __future__ import annotations

import threading

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


def test_development_on_another_port_logs_in_through_its_own_fake_wechat(monkeypatch, tmp_path):
    """`make run PORT=…`: the fake WeChat and PUBLIC_BASE_URL follow the port the app serves on."""
    import socket

    import requests
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from server import create_app
    from server.extensions import db

    with socket.socket() as probe:  # a free port other than 5000
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name in ("HUYING_ENV", "WECHAT_API_BASE", "PUBLIC_BASE_URL", "WECHAT_FAKE", "WECHAT_APPID",
                 "WECHAT_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", str(port))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.db'}",
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"), "ABUSE_LIMITS": False})
    assert app.config["WECHAT_API_BASE"] == f"http://127.0.0.1:{port}/__wechat__"
    assert app.config["PUBLIC_BASE_URL"] == f"http://127.0.0.1:{port}"
    with app.app_context():
        upgrade()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/wechat-login",
                               json={"code": "dev-port-resident"}, timeout=10)
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.engine.dispose()
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["access_token"]
