"""Access tokens a worker has verified, remembered by their exact text until they expire.

flask-jwt-extended decodes a request's token four times: twice without checking it, once with
its signature and claims, and once more for its header — about 0.25 ms of a worker's CPU on
every authenticated request, a tenth of a resident's list. A token is immutable text: once its
signature and claims were checked, the same text needs no second check. ``VerifiedTokens``
keeps the claims of each access token this worker has verified, under that exact text, and
answers it again until it expires. A token that differs by one character is another key and is
checked in full. Revocation, the account's state and its roles are still checked on every
request (``tokens._is_revoked``); refresh tokens, and any decode that allows an expired token or
carries a CSRF value, always take the library's own path.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_ENTRIES = 20_000


class VerifiedTokens:
    """Per app and process; ``clock`` gives the time in epoch seconds, as a token's ``exp``.
    ``extensions.JWTManagerRemembering`` consults it."""

    def __init__(self, clock: Callable[[], float] = time.time, max_entries: int = MAX_ENTRIES):
        self.clock = clock
        self.max_entries = max_entries
        self.entries: dict[str, dict] = {}

    def get(self, encoded: str) -> dict | None:
        """The claims of ``encoded`` as verified before, while it has not expired."""
        claims = self.entries.get(encoded)
        if claims is None:
            return None
        if claims["exp"] <= self.clock():  # expired: the library says so, with its own error
            self.entries.pop(encoded, None)
            return None
        return dict(claims)  # the caller's copy: the library keeps it on ``g``

    def put(self, encoded: str, claims: dict) -> None:
        if claims.get("type") != "access" or not isinstance(claims.get("exp"), int | float):
            return
        if len(self.entries) >= self.max_entries:
            self.entries.clear()  # rare; simpler than an LRU, and only costs a verification
        self.entries[encoded] = dict(claims)


def init_app(app) -> None:
    app.extensions["verified_tokens"] = VerifiedTokens()
