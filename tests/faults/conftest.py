"""Helpers of the fault tests: residents logged in over real HTTP, a load of submissions from
threads, and checks that every acknowledged submission is in the database, whole."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import text

from server.extensions import db

TIMEOUT = 60


@pytest.fixture
def postgres(app):
    """Faults of the production setup (a database server, gunicorn): the tests using this are
    marked ``postgres_only``."""
    assert app.db_kind == "postgresql", "mark the test postgres_only"
    return app


def login(base_url: str, openid: str) -> str:
    response = requests.post(f"{base_url}/api/v1/auth/wechat-login", json={"code": f"dev-{openid}"},
                             timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()["data"]["access_token"]


def submission(section_id: int, n: int) -> dict:
    return {"category_code": "sanitation", "description": f"楼道杂物第{n}次反映，影响通行",
            "section_id": section_id, "address": "幸福小区3号楼"}


@dataclass
class Load:
    """Submissions from ``residents`` threads (``per_resident`` each), recorded as they end."""

    base_url: str
    section_id: int
    tokens: list[str]
    per_resident: int
    acknowledged: list[int] = field(default_factory=list)  # ids answered with a 2xx
    failed: list[str] = field(default_factory=list)  # non-2xx statuses and transport errors
    done: threading.Condition = field(default_factory=threading.Condition)

    @property
    def finished(self) -> int:
        return len(self.acknowledged) + len(self.failed)

    def _run(self, token: str, offset: int) -> None:
        for n in range(self.per_resident):
            try:
                response = requests.post(f"{self.base_url}/api/v1/requests",
                                         json=submission(self.section_id, offset + n),
                                         headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
                outcome = (response.json()["data"]["id"] if 200 <= response.status_code < 300
                           else str(response.status_code))
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            with self.done:
                (self.acknowledged if isinstance(outcome, int) else self.failed).append(outcome)
                self.done.notify_all()

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._run, args=(token, i * 100), daemon=True)
                   for i, token in enumerate(self.tokens)]
        for thread in threads:
            thread.start()
        return threads

    def wait_for(self, count: int) -> None:
        with self.done:
            assert self.done.wait_for(lambda: self.finished >= count, timeout=TIMEOUT), \
                f"only {self.finished} submissions ended"


def assert_all_persisted(ids: list[int]) -> None:
    """Every acknowledged id is a request with its number and exactly one submit event, and
    no request in the database is half-written (without its submit event)."""
    rows = dict(db.session.execute(text(
        "SELECT r.id, count(e.id) FROM requests r LEFT JOIN request_events e "
        "ON e.request_id = r.id AND e.action = 'submit' GROUP BY r.id")).all())
    missing = sorted(set(ids) - set(rows))
    assert missing == [], f"acknowledged but lost: {missing}"
    assert {rid: n for rid, n in rows.items() if n != 1} == {}, "requests without one submit event"
    assert len(set(ids)) == len(ids)
