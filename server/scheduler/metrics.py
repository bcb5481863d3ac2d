"""What ``/metrics`` reads about the scheduler at scrape time: each job's runs, failures, last
success and lag, and the scheduler processes by role."""

from __future__ import annotations

from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from server.scheduler.health import status


def collect(now: datetime):
    yield from _families(status(now), now)


def _families(state: dict, now: datetime):
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
