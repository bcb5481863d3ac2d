"""The scheduler's work is killed (SIGKILL) halfway and run again: it catches up, and nothing
is done twice: one timeline event per hop, one notice per escalation and per light."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Notification
from server.requests import service
from server.requests.models import Event, Request

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
REQUESTS = 120
# The sweep commits a chunk at a time: small chunks here, so the kill can land between them
# (with chunks of 20 a fast machine's sweep could finish between two looks of the watcher).
CHUNK = 5


def _job(app, job_id: str, at) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
           "FLASK_APP": "wsgi.py", "PYTHONUNBUFFERED": "1", "ESCALATION_CHUNK": str(CHUNK)}
    return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "run", job_id, "--now", at.isoformat()],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _count(model, *where) -> int:
    db.session.rollback()  # a fresh snapshot of what the other process committed
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _kill_when(proc: subprocess.Popen, started) -> None:
    """SIGKILL ``proc`` as soon as ``started()`` says it has done part of its work."""
    while not started():
        try:
            proc.wait(timeout=0.02)  # waits on the process: returns at once if it ended
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)
    proc.stdout.close()


def _run(proc: subprocess.Popen) -> str:
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, out
    return out


def _many_requests(world) -> list[int]:
    residents = []
    for i in range(REQUESTS // 4):
        world.as_(f"sched-{i}")
        residents.append(world.user(f"sched-{i}"))
    ids = [service.submit(resident=residents[n // 4], category_code="sanitation",
                          description=f"路灯不亮了，第{n}处", section_id=world.section.id,
                          now=world.clock.now()).id for n in range(REQUESTS)]
    db.session.commit()
    return ids


def test_escalation_killed_halfway_catches_up_without_doubles(world, clock, app):
    ids = _many_requests(world)
    at = clock.now() + timedelta(minutes=45)  # past hop A's deadline, before hop B's

    def escalated():
        return _count(Event, Event.action == "escalate_hop")

    _kill_when(_job(app, "duty.escalate_hops", at), lambda: escalated() > 0)
    interrupted = escalated()
    assert 0 < interrupted < REQUESTS, "the kill did not land halfway"
    assert "escalated" in _run(_job(app, "duty.escalate_hops", at))
    assert all_jobs()["duty.escalate_hops"].func(at)["escalated"] == 0  # nothing left to do

    db.session.rollback()
    hops = Counter(db.session.execute(
        select(Event.request_id, Event.data["from_hop"].as_string())
        .where(Event.action == "escalate_hop")).all())
    assert {rid for rid, _hop in hops} == set(ids), "every due request caught up"
    assert set(hops.values()) == {1}, "an escalation was recorded twice"
    assert {r.hop for r in db.session.scalars(select(Request))} == {"B"}
    # one new-task notice per (request, person): none doubled by the restart
    notices = Counter(db.session.execute(
        select(Notification.request_id, Notification.user_id).where(Notification.kind == "new_task")).all())
    assert notices and set(notices.values()) == {1}
    assert {rid for rid, _user in notices} == set(ids)


def test_light_sweep_killed_halfway_warns_once_per_light(world, clock, app):
    ids = _many_requests(world)
    late = clock.now() + timedelta(days=30)  # every request is past its resolve deadline: red

    def alerted():
        return _count(Notification, Notification.kind == "red_light")

    _kill_when(_job(app, "duty.lights", late), lambda: alerted() > 0)
    assert alerted() < REQUESTS, "the kill did not land halfway"
    _run(_job(app, "duty.lights", late))
    assert all_jobs()["duty.lights"].func(late + timedelta(minutes=1)) == {"red": 0, "yellow": 0}

    db.session.rollback()
    reds = Counter(db.session.execute(
        select(Notification.request_id, Notification.user_id).where(Notification.kind == "red_light")).all())
    assert {rid for rid, _user in reds} == set(ids)
    assert set(reds.values()) == {1}, "a red light was announced twice"
