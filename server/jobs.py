"""Scheduled jobs: declared by each domain in ``server/<domain>/jobs.py`` as ``JOBS``.

A job is a plain function of ``now`` that returns a short summary; it must be idempotent and
state-based, so that running it twice, late, or from a restarted scheduler does no harm.
``flask jobs list`` and ``flask jobs run <id> [--now ISO]`` run them by hand; the scheduler
process (``flask scheduler run``) runs them on their triggers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from server import clock
from server.discovery import contributions


@dataclass(frozen=True)
class Job:
    id: str  # stable: operators and tests name jobs by it
    func: Callable[[datetime], object]
    description: str
    trigger: str = "interval"  # an APScheduler trigger name
    trigger_args: dict = field(default_factory=lambda: {"minutes": 1})


def all_jobs() -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    for declared in contributions("jobs", "JOBS"):
        for job in declared:
            if job.id in jobs:
                raise RuntimeError(f"two jobs share the id {job.id!r}")
            jobs[job.id] = job
    return dict(sorted(jobs.items()))


jobs_cli = AppGroup("jobs", help="List scheduled jobs or run one once.")


@jobs_cli.command("list")
def list_jobs():
    """Each job's stable id, trigger and purpose."""
    jobs = all_jobs()
    if not jobs:
        click.echo("no jobs declared")
    for job in jobs.values():
        trigger = ", ".join(f"{k}={v}" for k, v in job.trigger_args.items())
        click.echo(f"{job.id:32} {job.trigger}({trigger})  {job.description}")


@jobs_cli.command("run")
@click.argument("job_id")
@click.option("--now", "at", help="ISO 8601 time to run the job at (default: the clock's now)")
def run_job(job_id: str, at: str | None):
    """Run one job once, at a given time."""
    jobs = all_jobs()
    if job_id not in jobs:
        raise click.BadParameter(f"unknown job {job_id!r}; known: {', '.join(jobs) or 'none'}",
                                 param_hint="JOB_ID")
    now = _parse_now(at) if at else clock.now()
    result = jobs[job_id].func(now)
    click.echo(f"{job_id} at {now.isoformat()}: {result}")


def _parse_now(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint="--now") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
