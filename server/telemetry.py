"""The process's own metrics (Prometheus), which every layer reports to.

Cheap on the request path (a counter and a histogram per request, kept in memory, or in
memory-mapped files under ``PROMETHEUS_MULTIPROC_DIR`` when gunicorn runs several workers):
requests by endpoint (the URL rule), method and status; latency by endpoint; the database pool's
connections in use; WeChat API errors by API and code. A leaf: it imports no domain, so any
domain may report here. ``server/ops`` serves the exposition, with what the domains read from
the database at scrape time (their ``metrics.py``).
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
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
