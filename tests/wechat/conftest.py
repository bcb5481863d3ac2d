"""Fixtures for the WeChat services: the fake's controls and a signed push."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from server.extensions import db
from server.notifications.models import Notification
from server.notifications.service import notify
from server.wechat.client import WeChatClient
from server.wechat.tokens import DatabaseTokenStore, RedisTokenStore

REDIS_URL = "redis://127.0.0.1:6379/0"


class Fake:
    """Drives the fake WeChat the app talks to."""

    def __init__(self, server):
        self.url = server.url
        self.state = server.state

    def control(self, name: str, body: dict | None = None):
        response = requests.post(f"{self.url}/__control__/{name}", json=body or {}, timeout=5)
        assert response.status_code == 200
        return response.json()

    def fail(self, path: str, times: int = 1, **spec):
        return self.control("fail", {"path": path, "times": times, **spec})

    def calls(self, path: str) -> int:
        return sum(1 for call in self.state.calls if call["path"] == path)


@pytest.fixture
def fake(fake_wechat):
    fake_wechat.state.reset()
    yield Fake(fake_wechat)
    fake_wechat.state.reset()


@pytest.fixture(params=["database", "redis"])
def store(request, ctx):
    """Both token stores; the Redis one under a prefix of its own."""
    if request.param == "database":
        yield DatabaseTokenStore(ctx.instance_path)
        return
    store = RedisTokenStore(REDIS_URL, prefix=f"huying-test-{uuid.uuid4().hex}:")
    yield store
    for key in store.redis.scan_iter(f"{store.prefix}*"):
        store.redis.delete(key)


@pytest.fixture
def wechat(ctx, fake, store):
    """A client of the fake with the parametrized token store."""
    return WeChatClient(base_url=fake.url, appid="wx-test-appid", secret="dev-secret",
                        timeout=2, store=store)


def push_signature(token: str, timestamp: str = "1700000000", nonce: str = "n0nce") -> dict:
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def make_notification(*, user_id: int, kind: str, now, request_id: int | None = None,
                      title: str = "您的诉求已被接单", body: str = "党员王建国已接单，将尽快处理",
                      data: dict | None = None):
    (notification_id,) = notify(user_ids=[user_id], kind=kind, title=title, body=body, now=now,
                                request_id=request_id, data=data)
    db.session.commit()
    return db.session.get(Notification, notification_id)
