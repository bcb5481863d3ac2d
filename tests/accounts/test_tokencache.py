"""The token check's cache: a checked access token is answered from a worker's memory, and any
change to its account, from any process, defeats it at once.

Two ``TokenCache`` objects stand for two gunicorn workers (each its own memory) sharing one
Redis; the test switches which one the app uses between requests.
"""

from __future__ import annotations

import uuid

import pytest
import redis
from sqlalchemy import select, update

from server.accounts.enums import Role
from server.accounts.models import RoleGrant, User
from server.accounts.tokencache import TokenCache
from server.extensions import db, lock_rows

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def workers(app):
    """Two workers' caches on one Redis (keys under a prefix of this test's own)."""
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"huying-test-{uuid.uuid4().hex}:"
    pair = {name: TokenCache(client, 30, prefix=prefix) for name in ("a", "b")}

    def use(name: str) -> TokenCache:
        app.extensions["token_cache"] = pair[name]
        return pair[name]

    use("a")
    yield use
    app.extensions.pop("token_cache", None)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def _statements(api, path: str, count_queries) -> tuple[int, int]:
    before = count_queries.count
    status = api.get(path).status
    return status, count_queries.count - before


def test_a_checked_token_is_answered_without_reading_the_account_again(world, workers, count_queries):
    resident = world.as_("demo-resident")
    status, first = _statements(resident, "/api/v1/requests/mine", count_queries)
    assert status == 200
    assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first - 1)
    workers("b")  # another worker has not seen this token yet
    assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first)


def test_logout_on_one_worker_refuses_the_token_on_another_at_once(world, workers):
    resident = world.as_("demo-resident")
    workers("b")
    assert resident.get("/api/v1/me").status == 200  # b holds the token now
    workers("a")
    assert resident.post("/api/v1/auth/logout").status == 200
    workers("b")
    assert resident.get("/api/v1/me").status == 401


def test_a_withdrawn_role_is_refused_at_once(world, workers):
    committee = world.as_("demo-committee")
    assert committee.get("/api/v1/review").status == 200
    # another process (an operator's command, say) withdraws the committee seat
    seat = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == world.user("demo-committee").id, RoleGrant.role == Role.COMMITTEE))
    db.session.delete(seat)
    db.session.commit()
    assert committee.get("/api/v1/review").status == 403


def test_a_deactivated_account_is_refused_at_once(world, workers):
    resident = world.as_("demo-resident")
    assert resident.get("/api/v1/me").status == 200
    user = db.session.get(User, world.user("demo-resident").id)
    user.is_active = False
    db.session.commit()
    assert resident.get("/api/v1/me").status == 401


def test_a_change_to_the_account_is_seen_at_once(world, workers):
    resident = world.as_("demo-resident")
    assert resident.get("/api/v1/me").data["nickname"] != "新昵称"
    user = db.session.get(User, world.user("demo-resident").id)
    user.nickname = "新昵称"
    db.session.commit()
    assert resident.get("/api/v1/me").data["nickname"] == "新昵称"


def test_a_bulk_statement_over_accounts_drops_every_entry(world, workers, count_queries):
    resident = world.as_("demo-resident")
    _, first = _statements(resident, "/api/v1/requests/mine", count_queries)
    db.session.execute(update(User).where(User.id == world.user("demo-member-a").id)
                       .values(nickname="队员"))
    db.session.commit()
    # the resident's own row did not change, but which rows did is not known
    assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first)


def test_a_row_lock_announces_nothing(world, workers, count_queries):
    resident = world.as_("demo-resident")
    _, first = _statements(resident, "/api/v1/requests/mine", count_queries)
    lock_rows(User, User.id == world.user("demo-resident").id)  # each submission takes it
    db.session.commit()
    assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first - 1)


def test_an_entry_lasts_its_lifetime(world, workers, clock, count_queries):
    resident = world.as_("demo-resident")
    _, first = _statements(resident, "/api/v1/requests/mine", count_queries)
    clock.advance(seconds=29)
    assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first - 1)
    clock.advance(seconds=2)
    assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first)


def test_refresh_tokens_always_read_the_database(world, workers):
    """A rotated refresh token presented again still revokes its family (reuse detection)."""
    from tests.factories import Api

    login = Api(world.client).post("/api/v1/auth/wechat-login", {"code": "dev-demo-resident"}).data
    old = Api(world.client, login["refresh_token"])
    assert old.post("/api/v1/auth/refresh").status == 200
    assert old.post("/api/v1/auth/refresh").status == 401
    assert Api(world.client, login["access_token"]).get("/api/v1/me").status == 401


def test_without_redis_every_request_reads_the_database(world, app, count_queries):
    unreachable = TokenCache(redis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1), 30)
    app.extensions["token_cache"] = unreachable
    try:
        resident = world.as_("demo-resident")
        _, first = _statements(resident, "/api/v1/requests/mine", count_queries)
        assert _statements(resident, "/api/v1/requests/mine", count_queries) == (200, first)
        assert not unreachable.entries
        assert resident.post("/api/v1/auth/logout").status == 200
        assert resident.get("/api/v1/me").status == 401
    finally:
        app.extensions.pop("token_cache", None)


def test_nothing_is_cached_without_redis_configured(app):
    assert app.config.get("REDIS_URL") is None
    assert "token_cache" not in app.extensions
