"""The scheduler's health in the database: a heartbeat per process, the latest run per job.

Every scheduler process beats (``leader`` or ``standby``) each poll; the leader records each
job's start and end. A process whose beat is older than ``STALE_SECONDS`` is gone.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from server.extensions import db
from server.scheduler.models import JobRun, SchedulerNode

HEARTBEAT_SECONDS = 10
STALE_SECONDS = 3 * HEARTBEAT_SECONDS


def node_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def beat(node: str, role: str, *, now: datetime, started_at: datetime) -> None:
    """This process is alive in ``role``; processes silent for a day are forgotten."""
    changed = db.session.execute(
        update(SchedulerNode).where(SchedulerNode.id == node).values(role=role, seen_at=now)
    ).rowcount
    if not changed:
        db.session.add(SchedulerNode(id=node, role=role, started_at=started_at, seen_at=now))
    db.session.execute(delete(SchedulerNode).where(SchedulerNode.seen_at < now - timedelta(days=1)))
    db.session.commit()


def leave(node: str) -> None:
    db.session.execute(delete(SchedulerNode).where(SchedulerNode.id == node))
    db.session.commit()


def job_started(job_id: str, node: str, *, now: datetime) -> None:
    changed = db.session.execute(
        update(JobRun).where(JobRun.job_id == job_id)
        .values(node_id=node, last_started_at=now, last_finished_at=None)
    ).rowcount
    if not changed:
        db.session.add(JobRun(job_id=job_id, node_id=node, last_started_at=now, last_ok=True,
                              runs=0, failures=0))
    db.session.commit()


def job_finished(job_id: str, *, now: datetime, seconds: float, error: str | None) -> None:
    values = dict(last_finished_at=now, last_seconds=seconds, last_ok=error is None,
                  last_error=error, runs=JobRun.runs + 1)
    if error is None:
        values["last_success_at"] = now
    else:
        values["failures"] = JobRun.failures + 1
    db.session.execute(update(JobRun).where(JobRun.job_id == job_id).values(**values))
    db.session.commit()


def status(now: datetime) -> dict:
    """``{"nodes": [...], "jobs": [...], "leader": node id or None}`` (live nodes only)."""
    nodes = [
        {"id": n.id, "role": n.role, "started_at": n.started_at, "seen_at": n.seen_at,
         "alive": (now - n.seen_at).total_seconds() <= STALE_SECONDS}
        for n in db.session.scalars(select(SchedulerNode).order_by(SchedulerNode.id))
    ]
    jobs = list(db.session.scalars(select(JobRun).order_by(JobRun.job_id)))
    leader = next((n["id"] for n in nodes if n["alive"] and n["role"] == "leader"), None)
    return {"nodes": nodes, "jobs": jobs, "leader": leader}
