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
    def __init__(self, database_url: str, *, command=None, cwd=ROOT, env=None):
        env = env or {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py",
                      "PYTHONUNBUFFERED": "1"}
        command = command or [sys.executable, "-m", "flask", "scheduler", "run"]
        self.proc = subprocess.Popen(
            [*command, "--poll", "0.2"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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


def _close(*processes) -> None:
    for process in processes:
        if process is not None:
            process.close()


def test_two_scheduler_processes_one_leads_the_other_waits(ctx):
    url = str(ctx.config["SQLALCHEMY_DATABASE_URI"])
    first = Scheduler(url)
    second = None
    try:
        first.expect("scheduler: leader")
        first.expect("Scheduler started")
        assert not any("Adding job tentatively" in line for line in first.seen), first.seen
        second = Scheduler(url)
        second.expect("waiting for the leader lock")
        second.drain()
        assert not any("leader;" in line for line in second.seen)
        assert first.stop() == 0
        first.expect("scheduler: stopped")
        second.expect("scheduler: leader")  # takes over once the lock is released
        assert second.stop() == 0
    finally:
        _close(first, second)


def test_scheduler_status_names_the_leader_and_the_standby(ctx, monkeypatch):
    from server.clock import SystemClock

    monkeypatch.setitem(ctx.extensions, "clock", SystemClock())  # the processes beat in real time
    url = str(ctx.config["SQLALCHEMY_DATABASE_URI"])
    runner = ctx.test_cli_runner()
    first = Scheduler(url)
    second = None
    try:
        first.expect("scheduler: leader (")
        second = Scheduler(url)
        second.expect("waiting for the leader lock")
        leader = next(line for line in first.seen if "scheduler: leader (" in line).split("(")[1][:-1]
        result = runner.invoke(args=["scheduler", "status"])
        assert result.exit_code == 0, result.output
        assert f"leader: {leader}" in result.output
        assert "standby" in result.output
    finally:
        _close(first, second)


def test_each_job_run_is_recorded_with_its_outcome(ctx, clock):
    from server.jobs import Job
    from server.scheduler.commands import _runner
    from server.scheduler.models import JobRun

    def broken(now):
        raise ZeroDivisionError

    _runner(ctx, Job(id="test.ok", func=lambda now: "fine", description="ok"), "host:1")()
    _runner(ctx, Job(id="test.broken", func=broken, description="fails"), "host:1")()
    _runner(ctx, Job(id="test.broken", func=broken, description="fails"), "host:1")()
    from server.extensions import db

    runs = {r.job_id: r for r in db.session.query(JobRun)}
    assert runs["test.ok"].last_ok and runs["test.ok"].last_success_at == clock.now()
    assert (runs["test.broken"].runs, runs["test.broken"].failures) == (2, 2)
    assert runs["test.broken"].last_error == "ZeroDivisionError" and runs["test.broken"].last_success_at is None
    result = ctx.test_cli_runner().invoke(args=["scheduler", "status"])
    assert "failed (ZeroDivisionError)" in result.output and result.exit_code == 1
