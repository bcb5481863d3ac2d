"""An access token's signature is verified once per worker: the same text again is answered
from memory until it expires, and any other text is verified in full."""

from __future__ import annotations

import pytest
from jwt.api_jws import PyJWS

from server.accounts.verified import VerifiedTokens


@pytest.fixture
def verifications(monkeypatch):
    """How many signatures PyJWT checks (a counter around the library's own method)."""
    calls = []
    original = PyJWS._verify_signature

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PyJWS, "_verify_signature", counting)
    return calls


@pytest.fixture
def memory(app):
    """A fresh memory for the test, the app's own restored after it."""
    kept = app.extensions["verified_tokens"]
    app.extensions["verified_tokens"] = fresh = VerifiedTokens()
    yield fresh
    app.extensions["verified_tokens"] = kept


def test_a_token_verified_once_is_not_verified_again(world, memory, verifications):
    resident = world.as_("demo-resident")
    assert resident.get("/api/v1/me").status == 200
    assert len(verifications) == 1
    for _ in range(3):
        assert resident.get("/api/v1/me").status == 200
    assert len(verifications) == 1
    memory.entries.clear()  # another worker, or this one after a restart
    assert resident.get("/api/v1/me").status == 200
    assert len(verifications) == 2


def test_a_token_changed_by_one_character_is_verified_and_refused(world, memory, verifications):
    resident = world.as_("demo-resident")
    assert resident.get("/api/v1/me").status == 200  # the genuine token is remembered
    token = resident.token
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    resident.token = forged
    answer = resident.get("/api/v1/me")
    assert answer.status == 401 and answer.body["code"] != 0
    assert forged not in memory.entries and token in memory.entries


def test_an_expired_entry_is_forgotten_and_the_token_verified_again(world, memory, verifications):
    resident = world.as_("demo-resident")
    assert resident.get("/api/v1/me").status == 200
    (claims,) = memory.entries.values()
    memory.clock = lambda: claims["exp"]  # the moment it expires
    assert memory.get(resident.token) is None and not memory.entries
    memory.clock = lambda: claims["exp"] - 1
    assert resident.get("/api/v1/me").status == 200  # the library decides, as without memory
    assert len(verifications) == 2


def test_only_access_tokens_are_remembered_and_callers_get_copies():
    now = [1000.0]
    remembered = VerifiedTokens(clock=lambda: now[0], max_entries=2)
    remembered.put("refresh", {"type": "refresh", "exp": 2000})
    remembered.put("no-exp", {"type": "access"})
    assert remembered.entries == {}
    remembered.put("a", {"type": "access", "exp": 2000, "sub": "1"})
    copy = remembered.get("a")
    copy["sub"] = "2"
    assert remembered.get("a")["sub"] == "1"
    remembered.put("b", {"type": "access", "exp": 2000})
    remembered.put("c", {"type": "access", "exp": 2000})  # full: starts again
    assert set(remembered.entries) == {"c"}
    now[0] = 2000.0
    assert remembered.get("c") is None
