"""What the scheduler processes tell operators: who leads, and how each job last ran.

Written by ``flask scheduler run`` (a heartbeat per process, a row per job), read by
``flask scheduler status`` and by ``/metrics`` from any host.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.types import UTCDateTime


class SchedulerNode(db.Model):
    """One scheduler process: ``leader`` (holds the lock and runs the jobs) or ``standby``."""

    __tablename__ = "scheduler_nodes"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid
    role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRun(db.Model):
    """The latest run of one job, and how many runs and failures it has had."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(128))
    last_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_ok: Mapped[bool] = mapped_column(default=True)
    last_error: Mapped[str | None] = mapped_column(String(128))  # exception type only
    last_seconds: Mapped[float | None] = mapped_column()
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
