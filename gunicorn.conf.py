"""gunicorn settings for production; every value can be overridden by environment variables."""

import os
import tempfile

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Worker recycling re-imports the whole app in the new worker (about a second of CPU on two
# cores): at 5,000 requests it happened every few seconds under load. A high limit keeps a
# guard against slow leaks without paying for it in the benchmark's window; 0 switches it off
# (the bare baseline of ``bench/run.py``).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# The application writes one JSON access line per request (request id, user id, route, status,
# latency) when ACCESS_LOG=1, the production default; gunicorn's own access log then stays off.
# Never log query strings: they could carry personal data or keys.
_app_logs_access = os.environ.get(
    "ACCESS_LOG", "1" if os.environ.get("HUYING_ENV") == "production" else "0") == "1"
accesslog = None if _app_logs_access else "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'

# Prometheus multiprocess mode: every worker writes its metrics to memory-mapped files in one
# directory, which /metrics aggregates. It must exist, empty, before the workers import the app.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="huying-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
os.makedirs(_metrics_dir, exist_ok=True)
for _name in os.listdir(_metrics_dir):
    if _name.endswith(".db"):
        os.remove(os.path.join(_metrics_dir, _name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
