"""Token hygiene: refresh rotation and reuse, logout, and committee powers that end at once."""

from __future__ import annotations

from tests.factories import Api


def _login(world, openid: str) -> dict:
    return Api(world.client).post("/api/v1/auth/wechat-login", {"code": f"dev-{openid}"}).data


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(world):
    first = _login(world, "demo-resident")
    second = Api(world.client, first["refresh_token"]).post("/api/v1/auth/refresh").data
    third = Api(world.client, second["refresh_token"]).post("/api/v1/auth/refresh").data
    assert Api(world.client, third["access_token"]).get("/api/v1/me").status == 200
    # the first refresh token, already exchanged, comes back: a stolen copy
    assert Api(world.client, first["refresh_token"]).post("/api/v1/auth/refresh").status == 401
    for token in (second["access_token"], third["access_token"]):
        assert Api(world.client, token).get("/api/v1/me").status == 401
    assert Api(world.client, third["refresh_token"]).post("/api/v1/auth/refresh").status == 401
    # another login of the same person (another phone) is another family, untouched
    other = _login(world, "demo-resident")
    assert Api(world.client, other["access_token"]).get("/api/v1/me").status == 200


def test_an_access_token_cannot_refresh_and_a_refresh_token_cannot_call_the_api(world):
    tokens = _login(world, "demo-resident")
    assert Api(world.client, tokens["access_token"]).post("/api/v1/auth/refresh").status == 401
    assert Api(world.client, tokens["refresh_token"]).get("/api/v1/me").status == 401


def test_logout_revokes_access_and_refresh(world):
    tokens = _login(world, "demo-resident")
    assert Api(world.client, tokens["access_token"]).post("/api/v1/auth/logout").status == 200
    assert Api(world.client, tokens["access_token"]).get("/api/v1/me").status == 401
    assert Api(world.client, tokens["refresh_token"]).post("/api/v1/auth/refresh").status == 401


def test_a_tampered_token_is_refused(world):
    tokens = _login(world, "demo-resident")
    head, body, signature = tokens["access_token"].split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    response = Api(world.client, forged).get("/api/v1/me")
    assert response.status == 401 and response.code == 40101


def test_a_demoted_committee_member_loses_committee_powers_at_once(world):
    """The admin revokes the seat; the token still in the member's hands says "committee" in its
    claims, but every power is checked against the database on each call."""
    resolved = world.submit()
    member = world.as_("demo-member-a")
    assert member.post(f"/api/v1/requests/{resolved['id']}/accept").status == 200
    assert member.post(f"/api/v1/requests/{resolved['id']}/resolve", {"note": "已处理"}).status == 200
    committee = world.as_("demo-committee")
    assert committee.get("/api/v1/review").status == 200
    assert committee.get(f"/api/v1/requests/{resolved['id']}").status == 200

    revoked = world.as_("demo-admin").post("/api/v1/admin/roles/revoke", {
        "role": "committee", "user_id": world.user("demo-committee").id,
        "community_id": world.community.id})
    assert revoked.status == 200, revoked.body

    # same token, next call: no review list, no approval, not even the sight of the request
    assert committee.get("/api/v1/review").status == 403
    assert committee.post(f"/api/v1/requests/{resolved['id']}/approve").status == 404
    assert committee.get(f"/api/v1/requests/{resolved['id']}").status == 404
    assert committee.get("/api/v1/inservice/registrations").status == 403
    assert committee.get(f"/api/v1/admin/communities/{world.community.id}/people").status in (403, 404)
    assert "committee" not in committee.get("/api/v1/me").data["roles"]
    # nothing moved
    owner_view = world.as_("demo-resident").get(f"/api/v1/requests/{resolved['id']}")
    assert owner_view.data["status"] == "resolved"
