"""Prometheus metrics.

Per process, cheap on the request path (a counter and a histogram per request, kept in memory,
or in memory-mapped files under ``PROMETHEUS_MULTIPROC_DIR`` when gunicorn runs several
workers): requests by endpoint (the URL rule), method and status; latency by endpoint; the
database pool's connections in use; WeChat API errors by API and code.

Read from the database when ``/metrics`` is scraped, so that every host tells the same story:
the escalation backlog (work past its accept deadline that the job has not moved), the outbox
by channel and state, open requests by light, each job's runs, failures, last success and lag,
and the scheduler processes by role.
"""

from __future__ import annotations

import os
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import case, event, func, select
from sqlalchemy.pool import QueuePool

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if MULTIPROCESS:  # set for a CLI process too (compose's shared environment): make it exist
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("huying_http_requests_total", "HTTP requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("huying_http_request_duration_seconds", "Time to answer, by endpoint",
                    ["endpoint", "method"], buckets=BUCKETS)
POOL_IN_USE = Gauge("huying_db_pool_in_use", "Database connections checked out of the pool",
                    multiprocess_mode="livesum")
POOL_CAPACITY = Gauge("huying_db_pool_capacity", "Pool size plus overflow, summed over processes",
                      multiprocess_mode="livesum")
WECHAT_ERRORS = Counter("huying_wechat_api_errors_total",
                        "WeChat API calls that failed, by API path and errcode "
                        "(unreachable, http_5xx, bad_body for transport failures)", ["api", "errcode"])


def observe_request(rule: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(rule, method, str(status)).inc()
    LATENCY.labels(rule, method).observe(seconds)


def wechat_error(api: str, errcode) -> None:
    WECHAT_ERRORS.labels(api, str(errcode)).inc()


def init_app(app) -> None:
    app.extensions.setdefault("ops_observers", []).append(observe_request)
    from server.extensions import db

    with app.app_context():
        engine = db.engine
    if not isinstance(engine.pool, QueuePool):  # an in-memory SQLite database: nothing to size
        return
    if engine.pool in app.extensions.setdefault("ops_pools", set()):
        return
    app.extensions["ops_pools"].add(engine.pool)
    POOL_CAPACITY.inc(app.config["DB_POOL_SIZE"] + app.config["DB_MAX_OVERFLOW"])
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


def _process_registry() -> CollectorRegistry | None:
    """Every worker's metrics (multiprocess mode), or None: this process's default registry."""
    if not MULTIPROCESS:
        return None
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition(now: datetime) -> bytes:
    """The text exposition: the processes' metrics and the database's state."""
    from prometheus_client import REGISTRY

    state = CollectorRegistry()
    state.register(_StateCollector(now))
    return generate_latest(_process_registry() or REGISTRY) + generate_latest(state)


class _StateCollector:
    """The service's state, read from the database at scrape time (a few indexed counts)."""

    def __init__(self, now: datetime):
        self.now = now

    def collect(self):
        from server.extensions import db
        from server.notifications.models import Delivery
        from server.requests.enums import OPEN_STATUSES
        from server.requests.lights import light_case
        from server.requests.models import Request
        from server.scheduler.health import status
        from server.version import VERSION

        info = GaugeMetricFamily("huying_build_info", "The running release", labels=["version"])
        info.add_metric([VERSION], 1)
        yield info
        now = self.now
        session = db.session
        backlog = session.scalar(select(func.count()).select_from(Request).where(
            Request.status == "dispatched", Request.accept_deadline < now))
        yield GaugeMetricFamily("huying_escalation_backlog",
                                "Requests still waiting past their accept deadline (the escalation "
                                "job should have moved them)", value=backlog or 0)

        outbox = GaugeMetricFamily("huying_outbox_deliveries",
                                   "Notification deliveries by channel and state (pending: waiting "
                                   "or retrying; failed: gave up)", labels=["channel", "state"])
        for channel, state, count in session.execute(
                select(Delivery.channel, Delivery.status, func.count())
                .where(Delivery.status.in_(("pending", "failed")))
                .group_by(Delivery.channel, Delivery.status)):
            outbox.add_metric([channel, state], count)
        yield outbox
        overdue = GaugeMetricFamily("huying_outbox_overdue",
                                    "Pending deliveries whose attempt is due, by channel; those "
                                    "already tried at least once", labels=["channel", "retried"])
        retried = case((Delivery.attempts > 0, "true"), else_="false").label("retried")
        for channel, tried, count in session.execute(
                select(Delivery.channel, retried, func.count())
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .group_by(Delivery.channel, retried)):  # by label: PostgreSQL compares the text
            overdue.add_metric([channel, tried], count)
        yield overdue

        lights = GaugeMetricFamily("huying_open_requests", "Open requests by light",
                                   labels=["light"])
        light = light_case(now).label("light")
        counts = dict(session.execute(select(light, func.count()).where(
            Request.status.in_(OPEN_STATUSES)).group_by(light)).all())
        for name in ("green", "yellow", "red"):
            lights.add_metric([name], counts.get(name, 0))
        yield lights

        yield from _scheduler_families(status(now), now)
        session.rollback()


def _scheduler_families(state: dict, now: datetime):
    runs = CounterMetricFamily("huying_job_runs", "Runs of each job", labels=["job"])
    failures = CounterMetricFamily("huying_job_failures", "Failed runs of each job", labels=["job"])
    success = GaugeMetricFamily("huying_job_last_success_timestamp_seconds",
                                "When each job last succeeded (Unix time)", labels=["job"])
    lag = GaugeMetricFamily("huying_job_lag_seconds",
                            "Seconds since each job last started", labels=["job"])
    last_ok = GaugeMetricFamily("huying_job_last_ok", "1 when the job's last run succeeded",
                                labels=["job"])
    duration = GaugeMetricFamily("huying_job_last_duration_seconds", "Duration of the last run",
                                 labels=["job"])
    for job in state["jobs"]:
        runs.add_metric([job.job_id], job.runs)
        failures.add_metric([job.job_id], job.failures)
        if job.last_success_at is not None:
            success.add_metric([job.job_id], job.last_success_at.timestamp())
        lag.add_metric([job.job_id], (now - job.last_started_at).total_seconds())
        last_ok.add_metric([job.job_id], 1 if job.last_ok else 0)
        if job.last_seconds is not None:
            duration.add_metric([job.job_id], job.last_seconds)
    yield from (runs, failures, success, lag, last_ok, duration)
    nodes = GaugeMetricFamily("huying_scheduler_processes", "Live scheduler processes by role",
                              labels=["role"])
    alive = [n for n in state["nodes"] if n["alive"]]
    for role in ("leader", "standby"):
        nodes.add_metric([role], sum(1 for n in alive if n["role"] == role))
    yield nodes
    yield GaugeMetricFamily("huying_scheduler_leader", "1 when a live scheduler holds the leader lock",
                            value=1 if state["leader"] else 0)
