"""``flask scheduler run``: the one process that runs the jobs on their triggers.

Web workers never start it. Several may be started (for availability): the first takes the
leader lock and runs the jobs, the others wait for the lock and take over if it is released.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import AppGroup

from server import clock
from server.extensions import db
from server.jobs import all_jobs
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


def _say(message: str) -> None:
    click.echo(message)
    sys.stdout.flush()


def _runner(app, job):
    def run():
        with app.app_context():
            try:
                result = job.func(clock.now())
                log.info("job %s: %s", job.id, result)
            except Exception:
                log.exception("job %s failed", job.id)
                db.session.rollback()
            finally:
                db.session.remove()
    return run


@cli.command("run")
@click.option("--poll", default=5.0, show_default=True,
              help="seconds between attempts to take the leader lock")
def run_scheduler(poll: float):
    """Take the leader lock (waiting for it if another scheduler holds it), then run the jobs."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
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
    _say("scheduler: taking the leader lock")
    if not wait_for(lock, stopping, poll_seconds=poll,
                    on_wait=lambda: _say("scheduler: waiting for the leader lock")):
        _say("scheduler: stopped while waiting")
        return
    try:
        for job in all_jobs().values():
            scheduler.add_job(_runner(app, job), job.trigger, id=job.id, name=job.id,
                              **job.trigger_args)

        def watch_lock():
            if not lock.alive():
                log.error("leader lock lost; stopping so that another scheduler can lead")
                stop(None, None)

        scheduler.add_job(watch_lock, "interval", seconds=30, id="scheduler.lock_watch")
        _say(f"scheduler: leader; running {len(all_jobs())} jobs")
        scheduler.start()
    finally:
        lock.release()
        _say("scheduler: stopped")
