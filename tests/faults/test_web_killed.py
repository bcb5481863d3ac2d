"""A real gunicorn (the production config, gthread workers) on PostgreSQL is killed with
SIGKILL, master and workers, in the middle of a load of submissions: every submission that
was answered with a 2xx is in the database, and none is half-written. Its output (the access
log included) carries no phone number, token or openid."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from server.extensions import db
from tests.conftest import PG_URL
from tests.faults.conftest import TIMEOUT, Load, assert_all_persisted, login

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, wechat_url: str, upload_folder: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": PG_URL, "BIND": f"127.0.0.1:{self.port}",
               "WEB_CONCURRENCY": "2", "WEB_THREADS": "4", "WECHAT_API_BASE": wechat_url,
               "WECHAT_APPID": "wx-test-appid", "WECHAT_FAKE": "0", "UPLOAD_FOLDER": upload_folder,
               "PYTHONUNBUFFERED": "1"}
        # its own process group: SIGKILL reaches the master and its workers at once
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip())

    def expect(self, text: str, count: int = 1) -> None:
        while sum(text in line for line in self.output) < count:
            try:
                self.output.append(self.lines.get(timeout=TIMEOUT))
            except queue.Empty:
                pytest.fail(f"gunicorn printed no {text!r} within {TIMEOUT}s: {self.output}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=TIMEOUT)
        self.pump.join(timeout=TIMEOUT)
        while not self.lines.empty():
            self.output.append(self.lines.get_nowait())
        self.proc.stdout.close()


@pytest.mark.postgres_only
def test_gunicorn_killed_mid_load_loses_no_acknowledged_submission(world, postgres, fake_wechat, tmp_path):
    section_id = world.section.id
    db.session.remove()
    server = Gunicorn(fake_wechat.url, str(tmp_path / "uploads"))
    try:
        server.expect("Booting worker", count=2)
        tokens = [login(server.url, f"fault-web-{i}") for i in range(8)]
        load = Load(server.url, section_id, tokens, per_resident=6)
        threads = load.start()
        load.wait_for(12)
    finally:
        server.kill()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert load.finished == 48
    assert len(load.acknowledged) >= 12
    assert load.failed, "the kill came after the load: nothing was interrupted"
    assert_all_persisted(load.acknowledged)

    # no phone number, token or openid in its output (access log included)
    output = "\n".join(server.output)
    assert '"POST /api/v1/requests" 201' in output
    for secret in (*tokens, *(f"fault-web-{i}" for i in range(8))):
        assert secret not in output
