"""The access token: fetched through stable_token, shared through the store, refreshed once."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from server.errors import BadGateway
from server.wechat.client import QuotaExhausted, WeChatClient, WeChatError

STABLE = "/cgi-bin/stable_token"
CHECK = "/wxa/msg_sec_check"


def test_the_token_is_fetched_once_and_shared_through_the_store(wechat, fake, clock, store):
    first = wechat.access_token(now=clock.now())
    other_process = WeChatClient(base_url=fake.url, appid="wx-test-appid", secret="dev-secret",
                                 store=store)
    assert other_process.access_token(now=clock.now()) == first
    assert fake.calls(STABLE) == 1
    cached = store.get("wx-test-appid")
    # WeChat's two hours, less the safety margin.
    assert cached.token == first
    assert cached.expires_at == clock.now() + timedelta(seconds=7200 - 300)


def test_an_expired_entry_is_refreshed(wechat, fake, clock):
    wechat.access_token(now=clock.now())
    clock.advance(seconds=7200 - 300 + 1)
    wechat.access_token(now=clock.now())
    assert fake.calls(STABLE) == 2


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_a_refused_token_is_refreshed_once_and_the_call_retried_once(wechat, fake, clock, errcode):
    wechat.access_token(now=clock.now())
    fake.fail(CHECK, errcode=errcode)
    verdict = wechat.check_text(openid="demo-resident", content="路灯坏了", now=clock.now())
    assert verdict.suggest == "pass"
    used = [c["args"]["access_token"] for c in fake.state.calls if c["path"] == CHECK]
    assert len(used) == 2 and used[0] != used[1]  # retried once, with a new token


def test_a_token_refused_twice_is_an_error_not_a_loop(wechat, fake, clock):
    fake.fail(CHECK, errcode=40001, times=5)
    with pytest.raises(WeChatError) as caught:
        wechat.check_text(openid="demo-resident", content="路灯坏了", now=clock.now())
    assert caught.value.errcode == 40001
    assert fake.calls(CHECK) == 2


def test_a_token_wechat_expired_is_replaced(wechat, fake, clock, store):
    old = wechat.access_token(now=clock.now())
    fake.control("expire_tokens")
    assert wechat.check_text(openid="u", content="井盖丢了", now=clock.now()).suggest == "pass"
    assert store.get("wx-test-appid").token != old


def test_a_rejected_token_wechat_still_serves_is_force_refreshed(wechat, fake, clock, store):
    """stable_token without force returns the same token while WeChat thinks it valid."""
    token = wechat.access_token(now=clock.now())
    fresh = wechat.access_token(now=clock.now(), rejected=token)
    assert fresh != token and store.get("wx-test-appid").token == fresh
    forced = [c for c in fake.state.calls if c["path"] == STABLE]
    assert len(forced) == 3  # the first fetch, the plain refresh, then the forced one


def test_the_daily_quota_is_a_hard_error_logged(wechat, fake, clock, caplog):
    fake.fail(STABLE, errcode=45009)
    with caplog.at_level(logging.ERROR), pytest.raises(QuotaExhausted) as caught:
        wechat.access_token(now=clock.now())
    assert caught.value.status == 503 and caught.value.code == 50303
    assert "45009" in caplog.text
    assert fake.calls(STABLE) == 1


def test_unreachable_wechat_is_a_502(ctx, clock, store):
    dead = WeChatClient(base_url="http://127.0.0.1:9", appid="wx-test-appid", secret="s",
                        timeout=1, store=store)
    with pytest.raises(BadGateway) as caught:
        dead.access_token(now=clock.now())
    assert caught.value.code == 50201


def test_concurrent_refreshes_make_one_call(ctx, fake, clock, store):
    app = ctx
    tokens, errors = [], []

    def worker():
        with app.app_context():
            client = WeChatClient(base_url=fake.url, appid="wx-test-appid", secret="dev-secret",
                                  store=store)
            try:
                tokens.append(client.access_token(now=clock.now()))
            except Exception as exc:  # collected for the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(tokens)) == 1 and len(tokens) == 4
    assert fake.calls(STABLE) == 1
