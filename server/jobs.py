"""Scheduled jobs: declared by each domain in ``server/<domain>/jobs.py`` as ``JOBS``.

A job is a plain function of ``now`` that returns a short summary; it must be idempotent and
state-based, so that running it twice, late, or from a restarted scheduler does no harm.
``flask jobs list`` and ``flask jobs run <id> [--now ISO]`` run them by hand; the scheduler
process (``flask scheduler run``) runs them on their triggers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
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


# How far ahead of the clock a --now may be without --yes (a typed time is rarely exact).
FUTURE_TOLERANCE = timedelta(minutes=1)


@jobs_cli.command("run")
@click.argument("job_id")
@click.option("--now", "at", help="ISO 8601 time to run the job at (default: the clock's now); "
                                  "without an offset it is read in TIMEZONE")
@click.option("--yes", is_flag=True, help="outside development, run at a --now in the future anyway")
def run_job(job_id: str, at: str | None, yes: bool):
    """Run one job once, at a given time.

    What the job writes is real history stamped with that time (timeline steps shown on the
    public pages, notifications parked until then): outside development a --now in the future
    is refused unless --yes says it is meant.
    """
    jobs = all_jobs()
    if job_id not in jobs:
        raise click.BadParameter(f"unknown job {job_id!r}; known: {', '.join(jobs) or 'none'}",
                                 param_hint="JOB_ID")
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    real_now = clock.now()
    now = _parse_now(at, zone) if at else real_now
    development = current_app.config.get("ENV_NAME", "development") == "development"
    if now > real_now + FUTURE_TOLERANCE and not development and not yes:
        raise click.UsageError(
            f"--now {now.astimezone(zone).isoformat()} is in the future (it is "
            f"{real_now.astimezone(zone).isoformat()}): the job would write history stamped at that "
            "time, shown on the public pages, and park notifications until then. Pass --yes if that is meant.")
    result = jobs[job_id].func(now)
    click.echo(f"{job_id} at {now.astimezone(zone).isoformat()}: {result}")


def _parse_now(value: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 time; without an offset it is a local time of ``zone`` (TIMEZONE)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint="--now") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)
