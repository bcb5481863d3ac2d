"""Security headers on every face; no CORS unless origins are listed; production refuses
unsafe settings."""

from __future__ import annotations

import io
import json

import pytest

from server.config import ConfigError, check
from server.wechat.templates import DEFAULT_TEMPLATES
from tests.factories import image_bytes

BASE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _faces(world) -> dict[str, str]:
    upload = world.as_("demo-resident").post(
        "/api/v1/uploads", data={"file": (io.BytesIO(image_bytes()), "a.jpg")},
        content_type="multipart/form-data", json=None)
    return {
        "api": "/api/v1/communities",
        "api error": "/api/v1/me",
        "openapi": "/api/v1/openapi.json",
        "public json": "/api/v1/public/communities",
        "open311": "/open311/v2/services.json",
        "open311 xml": "/open311/v2/services.xml",
        "media": "/media/" + upload.data["url"].rsplit("/", 1)[-1],
        "push": "/wechat/push",
        "not found": "/nothing-here",
        "docs page": "/api/v1/docs",
        "sunlight": "/sunlight/",
        "sunlight error": "/sunlight/requests/nope",
    }


def test_every_face_sends_the_security_headers(world):
    for face, path in _faces(world).items():
        response = world.client.get(path)
        headers = response.headers
        for name, value in BASE.items():
            assert headers.get(name) == value, (face, name)
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp, face
        if response.mimetype == "text/html":
            assert "script-src 'none'" in csp and "frame-ancestors 'self' https://servicewechat.com" in csp, face
            assert "X-Frame-Options" not in headers, f"{face}: the web-view must be able to show it"
        else:
            assert "frame-ancestors 'none'" in csp and headers["X-Frame-Options"] == "DENY", face
        assert "Access-Control-Allow-Origin" not in headers, face
        assert "Strict-Transport-Security" not in headers, face  # development is plain HTTP
        response.close()


def test_the_html_pages_carry_no_script(world):
    for path in ("/sunlight/", f"/sunlight/communities/{world.community.id}", "/api/v1/docs"):
        assert "<script" not in world.client.get(path).get_data(as_text=True).lower(), path


def test_cors_only_for_listed_origins_and_never_a_wildcard(world, app, monkeypatch):
    origin = {"Origin": "https://admin.huying.example.cn"}
    assert "Access-Control-Allow-Origin" not in world.client.get("/api/v1/communities", headers=origin).headers
    monkeypatch.setitem(app.config, "CORS_ORIGINS", ["https://admin.huying.example.cn"])
    # the setting is read when the app is built; the helper reads the list it is given
    from flask import Response

    from server.security.headers import cors

    with app.test_request_context("/api/v1/communities", headers=origin):
        allowed = Response()
        cors(allowed, app.config["CORS_ORIGINS"])
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.huying.example.cn"
        assert "Access-Control-Allow-Credentials" not in allowed.headers
    with app.test_request_context("/api/v1/communities", headers={"Origin": "https://evil.example"}):
        refused = Response()
        cors(refused, app.config["CORS_ORIGINS"])
        assert "Access-Control-Allow-Origin" not in refused.headers


GOOD = {
    "ENV_NAME": "production", "SECRET_KEY": "AaDe8w_LNyI7Kci5pRcEiG60tP_7i6Utx0At0WRSJvsxp5dhKSWpChcmUIzukCGg",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://huying@db/huying", "WECHAT_FAKE": False,
    "WECHAT_APPID": "wx123", "WECHAT_SECRET": "s3cret", "WECHAT_API_BASE": "https://api.weixin.qq.com",
    "WECHAT_PUSH_TOKEN": "push-token-from-the-console", "PUBLIC_BASE_URL": "https://huying.example.cn",
    "DEBUG": False, "ABUSE_LIMITS": True, "REDIS_URL": "redis://redis:6379/0", "CORS_ORIGINS": [],
}


def test_good_production_settings_pass():
    check(GOOD)


@pytest.mark.parametrize(("change", "words"), [
    ({"SECRET_KEY": "too-short-for-hs256"}, "SECRET_KEY"),
    ({"DEBUG": True}, "debug"),
    ({"CORS_ORIGINS": ["*"]}, "CORS_ORIGINS"),
    ({"CORS_ORIGINS": ["http://plain.example"]}, "HTTPS"),
    ({"REDIS_URL": None}, "REDIS_URL"),
])
def test_production_refuses_unsafe_settings(change, words):
    with pytest.raises(ConfigError, match=words):
        check({**GOOD, **change})


def test_production_app_sends_hsts_and_refuses_a_wildcard_origin(monkeypatch, tmp_path):
    from server import create_app

    env = {"HUYING_ENV": "production", "SECRET_KEY": GOOD["SECRET_KEY"], "WECHAT_FAKE": "0",
           "DATABASE_URL": "postgresql+psycopg://huying@127.0.0.1:1/none",
           "WECHAT_APPID": "wx123", "WECHAT_SECRET": "s3cret",
           "WECHAT_API_BASE": "https://api.weixin.qq.com", "WECHAT_PUSH_TOKEN": "push-token-x",
           "PUBLIC_BASE_URL": "https://huying.example.cn", "REDIS_URL": "redis://127.0.0.1:1/0",
           "UPLOAD_FOLDER": str(tmp_path), "WECHAT_TEMPLATES": json.dumps(
               {kind: {"id": f"tmpl-{kind}"} for kind in DEFAULT_TEMPLATES})}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CORS_ORIGINS", "*")
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        create_app()
    monkeypatch.setenv("CORS_ORIGINS", "")
    app = create_app({"ABUSE_LIMITS": False})
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
