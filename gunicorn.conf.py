"""gunicorn settings for production; every value can be overridden by environment variables."""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# Never log query strings: they could carry personal data or keys.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
