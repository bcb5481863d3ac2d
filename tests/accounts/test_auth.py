"""Login through WeChat and the life of our tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from flask_jwt_extended import create_access_token

from server.errors import BadGateway
from server.wechat.client import WeChatClient
from tests.factories import Api


def _fail_next(fake_wechat, **spec):
    requests.post(f"{fake_wechat.url}/__control__/fail",
                  json={"path": "/sns/jscode2session", **spec}, timeout=5).raise_for_status()


def test_first_login_creates_a_resident_and_the_second_finds_them(client):
    api = Api(client)
    first = api.post("/api/v1/auth/wechat-login", {"code": "dev-new-person"})
    assert first.status == 200
    assert first.data["user"]["roles"] == ["resident"]
    again = api.post("/api/v1/auth/wechat-login", {"code": "dev-new-person"})
    assert again.data["user"]["id"] == first.data["user"]["id"]
    assert "session_key" not in str(first.body) and "new-person" not in str(first.body)


def test_me_shows_roles_teams_and_committee(world):
    me = world.as_("demo-member-a").get("/api/v1/me").data
    assert me["roles"] == ["member", "resident"]
    assert [t["id"] for t in me["teams"]] == [world.team_a.id]
    committee = world.as_("demo-committee").get("/api/v1/me").data
    assert committee["committee_of"] == [world.community.id]


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        ({"errcode": 40029}, 401, 40102),
        ({"errcode": 40226}, 401, 40104),
        ({"errcode": -1}, 503, 50301),
        ({"errcode": 45011}, 503, 50301),
        ({"errcode": 40013}, 502, 50202),
        ({"http_status": 500}, 502, 50201),
    ],
)
def test_wechat_failures_give_clear_errors(client, fake_wechat, failure, status, code):
    _fail_next(fake_wechat, **failure)
    response = Api(client).post("/api/v1/auth/wechat-login", {"code": "dev-someone"})
    assert (response.status, response.code) == (status, code)
    assert response.body["msg"]
    if status == 503:
        assert response.headers["Retry-After"] == "5"


def test_unreachable_wechat_is_502():
    with pytest.raises(BadGateway) as caught:
        WeChatClient(base_url="http://127.0.0.1:9", appid="a", secret="s", timeout=1).code_to_session("x")
    assert caught.value.status == 502 and caught.value.code == 50201


def test_invalid_code_format_is_a_validation_error(client):
    response = Api(client).post("/api/v1/auth/wechat-login", {"code": ""})
    assert response.status == 422 and "code" in response.body["errors"]


def _login(client, openid="demo-resident"):
    return Api(client).post("/api/v1/auth/wechat-login", {"code": f"dev-{openid}"}).data


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-jwt", "Basic abc", "Bearer a.b.c"],
)
def test_missing_or_malformed_tokens_are_401(world, header):
    headers = {"Authorization": header} if header else {}
    response = Api(world.client).get("/api/v1/me", headers=headers)
    assert response.status == 401 and response.code in (40100, 40101)


def test_badly_signed_expired_and_wrong_type_tokens_are_401(world, app):
    tokens = _login(world.client)
    header, payload, signature = tokens["access_token"].split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    expired = create_access_token(identity=str(tokens["user"]["id"]),
                                  expires_delta=timedelta(seconds=-60))
    for token in (tampered, expired, tokens["refresh_token"]):
        response = Api(world.client, token).get("/api/v1/me")
        assert response.status == 401 and response.code == 40101, token
    # and an access token where a refresh token is expected
    assert Api(world.client, tokens["access_token"]).post("/api/v1/auth/refresh").status == 401


def test_refresh_rotates_and_reuse_revokes_the_family(world):
    tokens = _login(world.client)
    rotated = Api(world.client, tokens["refresh_token"]).post("/api/v1/auth/refresh")
    assert rotated.status == 200
    assert rotated.data["refresh_token"] != tokens["refresh_token"]
    assert Api(world.client, rotated.data["access_token"]).get("/api/v1/me").status == 200

    replay = Api(world.client, tokens["refresh_token"]).post("/api/v1/auth/refresh")
    assert replay.status == 401
    # the thief's replay killed the whole login, including the fresh pair
    assert Api(world.client, rotated.data["access_token"]).get("/api/v1/me").status == 401
    assert Api(world.client, rotated.data["refresh_token"]).post("/api/v1/auth/refresh").status == 401
    # another login of the same person is unaffected
    other = _login(world.client)
    assert Api(world.client, other["access_token"]).get("/api/v1/me").status == 200


def test_logout_revokes_access_and_refresh(world):
    tokens = _login(world.client)
    assert Api(world.client, tokens["access_token"]).post("/api/v1/auth/logout").status == 200
    assert Api(world.client, tokens["access_token"]).get("/api/v1/me").status == 401
    assert Api(world.client, tokens["refresh_token"]).post("/api/v1/auth/refresh").status == 401


def test_disabled_account_cannot_use_its_tokens(world):
    from server.extensions import db

    tokens = _login(world.client)
    user = world.user("demo-resident")
    user.is_active = False
    db.session.commit()
    assert Api(world.client, tokens["access_token"]).get("/api/v1/me").status == 401
    assert Api(world.client).post("/api/v1/auth/wechat-login", {"code": "dev-demo-resident"}).status == 401


def test_me_shows_the_in_service_profile(world):
    me = world.as_("demo-inservice").get("/api/v1/me").data
    assert [(p["community_id"], p["status"]) for p in me["inservice"]] == [(world.community.id, "approved")]
    assert me["inservice"][0]["work_unit"]
    assert world.as_("demo-resident").get("/api/v1/me").data["inservice"] == []
