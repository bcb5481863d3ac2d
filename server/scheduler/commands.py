"""``flask scheduler run``: the one process that runs the jobs on their triggers.

Web workers never start it. Several may be started (for availability): the first takes the
leader lock and runs the jobs, the others wait for the lock and take over if it is released.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from datetime import UTC, datetime

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import AppGroup

from server import clock, logs
from server.extensions import db
from server.jobs import all_jobs
from server.privacy import log_unexpected
from server.scheduler import health
from server.scheduler.lock import leader_lock, wait_for

log = logging.getLogger(__name__)

cli = AppGroup("scheduler", help="The scheduler process (exactly one active).")

JOB_DEFAULTS = {
    # A run that is late by more than this (process paused, machine asleep) is skipped: the
    # jobs are state-based, the next run catches up.
    "misfire_grace_time": 30,
    # Several missed runs collapse into one: running a sweep three times in a row is waste.
    "coalesce": True,
    # A slow sweep is never overlapped by its next tick (they would fight over the same rows).
    "max_instances": 1,
}


class _NoTentativeAdds(logging.Filter):
    """APScheduler logs one "Adding job tentatively" line per job added before it starts; the
    scheduler says once which jobs it runs instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Adding job tentatively")


def _say(message: str) -> None:
    click.echo(message)
    sys.stdout.flush()


def _runner(app, job, node: str):
    def run():
        with app.app_context():
            error = None
            started = time.monotonic()
            try:
                health.job_started(job.id, node, now=clock.now())
                result = job.func(clock.now())
                log.info("job %s: %s", job.id, result)
            except Exception as exc:  # noqa: BLE001 - one failed run must not stop the scheduler
                error = type(exc).__name__
                log_unexpected(log, f"job {job.id} failed", exc)
                db.session.rollback()
            try:
                health.job_finished(job.id, now=clock.now(), seconds=time.monotonic() - started,
                                    error=error)
            except Exception as exc:  # noqa: BLE001 - the next run records again
                log_unexpected(log, f"job {job.id}: its run could not be recorded", exc)
                db.session.rollback()
            finally:
                db.session.remove()
    return run


def _beat(app, node: str, role: str, started_at) -> None:
    """A heartbeat; a database hiccup only costs one beat."""
    with app.app_context():
        try:
            health.beat(node, role, now=clock.now(), started_at=started_at)
        except Exception:
            log.warning("scheduler heartbeat not recorded (database unavailable)")
            db.session.rollback()
        finally:
            db.session.remove()


@cli.command("run")
@click.option("--poll", default=5.0, show_default=True,
              help="seconds between attempts to take the leader lock")
def run_scheduler(poll: float):
    """Take the leader lock (waiting for it if another scheduler holds it), then run the jobs."""
    app = current_app._get_current_object()
    if app.config["LOG_FORMAT"] == "json":
        logs.configure("json")
    else:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler.scheduler").addFilter(_NoTentativeAdds())
    _serve_metrics(app.config.get("SCHEDULER_METRICS_ADDR"))
    stopping = threading.Event()
    scheduler = BlockingScheduler(executors={"default": ThreadPoolExecutor(4)},
                                  job_defaults=JOB_DEFAULTS, timezone="UTC")

    def stop(signum, _frame):
        stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lock = leader_lock(db.engine)
    node, started_at = health.node_id(), clock.now()
    _say("scheduler: taking the leader lock")
    if not wait_for(lock, stopping, poll_seconds=poll,
                    on_wait=lambda: _say("scheduler: waiting for the leader lock"),
                    on_poll=lambda: _beat(app, node, "standby", started_at)):
        _leave(app, node)
        _say("scheduler: stopped while waiting")
        return
    try:
        _beat(app, node, "leader", started_at)
        _say(f"scheduler: leader ({node})")
        # A new leader catches up at once: each interval job's first run is now, not one
        # interval later, so a failover leaves no gap longer than the takeover itself.
        now = datetime.now(UTC)
        for job in all_jobs().values():
            first = {"next_run_time": now} if job.trigger == "interval" else {}
            scheduler.add_job(_runner(app, job, node), job.trigger, id=job.id, name=job.id,
                              **job.trigger_args, **first)

        def watch_lock():
            if not lock.alive():
                log.error("leader lock lost; stopping so that another scheduler can lead")
                stop(None, None)
                return
            _beat(app, node, "leader", started_at)

        scheduler.add_job(watch_lock, "interval", seconds=health.HEARTBEAT_SECONDS,
                          id="scheduler.lock_watch")
        jobs = all_jobs()
        _say(f"scheduler: leader; running {len(jobs)} jobs: {', '.join(jobs)}")
        scheduler.start()
    finally:
        lock.release()
        _leave(app, node)
        _say("scheduler: stopped")


def _serve_metrics(address: str | None) -> None:
    """This process's own metrics (WeChat errors from its deliveries, the Python runtime) on
    ``SCHEDULER_METRICS_ADDR`` (host:port, a private address); jobs and leadership are also
    in the web's /metrics, read from the database."""
    if not address:
        return
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1")
    _say(f"scheduler: metrics on {address}")


def _leave(app, node: str) -> None:
    with app.app_context():
        try:
            health.leave(node)
        except Exception:
            db.session.rollback()
        finally:
            db.session.remove()


@cli.command("status")
def scheduler_status():
    """Who leads, who stands by, and each job's last run; exit status 1 without a live leader."""
    now = clock.now()
    state = health.status(now)
    for n in state["nodes"]:
        age = int((now - n["seen_at"]).total_seconds())
        click.echo(f"node {n['id']:40} {n['role']:8} seen {age}s ago"
                   + ("" if n["alive"] else "  (gone)"))
    if not state["nodes"]:
        click.echo("no scheduler process has reported")
    for j in state["jobs"]:
        last = j.last_finished_at or j.last_started_at
        outcome = ("running" if j.last_finished_at is None
                   else "ok" if j.last_ok else f"failed ({j.last_error})")
        success = j.last_success_at.isoformat(timespec="seconds") if j.last_success_at else "never"
        click.echo(f"job  {j.job_id:40} {outcome:24} last {last.isoformat(timespec='seconds')}"
                   f"  success {success}  runs {j.runs} failures {j.failures}")
    click.echo(f"leader: {state['leader'] or 'NONE'}")
    if state["leader"] is None:
        raise SystemExit(1)
