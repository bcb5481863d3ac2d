"""Two real scheduler processes against the test database: one leads, the other waits and
takes over when the leader stops. Bounded by timeouts; waits on output, never sleeps."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


class Scheduler:
    def __init__(self, database_url: str):
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py",
               "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "scheduler", "run", "--poll", "0.2"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip())

    def expect(self, text: str) -> None:
        """Wait (bounded) until the process prints a line containing ``text``."""
        while not any(text in line for line in self.seen):
            try:
                self.seen.append(self.lines.get(timeout=TIMEOUT))
            except queue.Empty:
                pytest.fail(f"no {text!r} within {TIMEOUT}s; output: {self.seen}")

    def drain(self) -> None:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=TIMEOUT)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=TIMEOUT)
        self.pump.join(timeout=TIMEOUT)
        self.proc.stdout.close()


def test_two_scheduler_processes_one_leads_the_other_waits(ctx):
    url = str(ctx.config["SQLALCHEMY_DATABASE_URI"])
    first = Scheduler(url)
    second = None
    try:
        first.expect("scheduler: leader")
        second = Scheduler(url)
        second.expect("waiting for the leader lock")
        second.drain()
        assert not any("leader;" in line for line in second.seen)
        assert first.stop() == 0
        first.expect("scheduler: stopped")
        second.expect("scheduler: leader")  # takes over once the lock is released
        assert second.stop() == 0
    finally:
        for process in (first, second):
            if process is not None:
                process.close()
