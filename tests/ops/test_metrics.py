"""``/metrics``: behind its token, per-endpoint request metrics, and the service's state read
from the database (escalation backlog, outbox, lights, jobs, scheduler)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.extensions import db
from server.scheduler import health

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def scrape(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "METRICS_TOKEN", TOKEN)
    client = ctx.test_client()

    def get() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        samples = {}
        for family in text_string_to_metric_families(response.get_data(as_text=True)):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    return get


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))))


def test_metrics_need_the_token(ctx, monkeypatch):
    client = ctx.test_client()
    assert client.get("/metrics").status_code == 404  # no token configured: not served
    monkeypatch.setitem(ctx.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_requests_are_counted_by_endpoint_rule_not_by_path(scrape, world):
    rid = world.submit()["id"]
    before = scrape()
    rule = "/api/v1/requests/<int:request_id>"
    count = value(before, "huying_http_requests_total", endpoint=rule, method="GET", status=200) or 0
    world.as_("demo-resident").get(f"/api/v1/requests/{rid}")
    world.as_("demo-resident").get("/api/v1/requests/999999")
    after = scrape()
    assert value(after, "huying_http_requests_total", endpoint=rule, method="GET", status=200) == count + 1
    assert value(after, "huying_http_requests_total", endpoint=rule, method="GET", status=404) >= 1
    assert value(after, "huying_http_request_duration_seconds_count", endpoint=rule, method="GET") >= 2
    assert not any("999999" in dict(labels).get("endpoint", "") for _, labels in after)


def test_escalation_backlog_lights_and_outbox(scrape, world, clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", "inbox,wechat")  # the inbox is not queued
    world.submit()
    first = scrape()
    assert value(first, "huying_escalation_backlog") == 0
    assert value(first, "huying_open_requests", light="green") == 1
    assert value(first, "huying_outbox_deliveries", channel="wechat", state="pending") >= 1
    clock.advance(days=30)  # past the accept deadline, nobody ran the escalation job
    later = scrape()
    assert value(later, "huying_escalation_backlog") == 1
    assert value(later, "huying_open_requests", light="red") == 1
    assert value(later, "huying_outbox_overdue", channel="wechat", retried="false") >= 1


def test_jobs_and_the_scheduler_leader(scrape, clock):
    now = clock.now()
    assert value(scrape(), "huying_scheduler_leader") == 0
    health.beat("host-a:1", "leader", now=now, started_at=now)
    health.beat("host-b:2", "standby", now=now, started_at=now)
    earlier = now - timedelta(minutes=2)
    health.job_started("duty.escalate_hops", "host-a:1", now=earlier)
    health.job_finished("duty.escalate_hops", now=earlier + timedelta(seconds=2), seconds=2.0, error=None)
    health.job_started("duty.escalate_hops", "host-a:1", now=now - timedelta(minutes=1))
    health.job_finished("duty.escalate_hops", now=now - timedelta(minutes=1), seconds=0.1,
                        error="OperationalError")
    samples = scrape()
    job = {"job": "duty.escalate_hops"}
    assert value(samples, "huying_scheduler_leader") == 1
    assert value(samples, "huying_scheduler_processes", role="standby") == 1
    assert value(samples, "huying_job_runs_total", **job) == 2
    assert value(samples, "huying_job_failures_total", **job) == 1
    assert value(samples, "huying_job_last_ok", **job) == 0
    assert value(samples, "huying_job_lag_seconds", **job) == 60
    assert value(samples, "huying_job_last_success_timestamp_seconds", **job) == (
        earlier + timedelta(seconds=2)).timestamp()
    clock.advance(seconds=health.STALE_SECONDS + 1)  # the leader stopped beating
    assert value(scrape(), "huying_scheduler_leader") == 0
    db.session.rollback()


def test_wechat_errors_are_counted_by_code(scrape, world, fake_wechat):
    from server.wechat.client import WeChatClient

    before = value(scrape(), "huying_wechat_api_errors_total", api="/sns/jscode2session",
                   errcode=40029) or 0
    response = world.as_(None).post("/api/v1/auth/wechat-login", {"code": "not-a-dev-code"})
    assert response.status >= 400
    assert WeChatClient.from_app() is not None
    assert value(scrape(), "huying_wechat_api_errors_total", api="/sns/jscode2session",
                 errcode=40029) == before + 1


def test_the_grafana_dashboard_uses_only_metrics_that_exist(ctx, monkeypatch, clock):
    import json
    import re
    from pathlib import Path

    monkeypatch.setitem(ctx.config, "METRICS_TOKEN", TOKEN)
    health.job_started("duty.escalate_hops", "host-a:1", now=clock.now())
    client = ctx.test_client()
    client.get("/api/v1/ping")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    exposed = set(re.findall(r"^# TYPE (huying_\w+)", text, re.M))
    exposed |= set(re.findall(r"^(huying_\w+)[{ ]", text, re.M))
    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text())
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"huying_\w+", target["expr"])}
    assert used and used <= exposed, used - exposed


def test_the_pool_is_measured_on_both_databases(scrape, ctx):
    """Connections checked out and the pool's size, on SQLite (a file) as on PostgreSQL."""
    size = ctx.config["DB_POOL_SIZE"] + ctx.config["DB_MAX_OVERFLOW"]
    before = scrape()
    assert value(before, "huying_db_pool_capacity") >= size
    with db.engine.connect():  # one more connection out while the next scrape runs
        during = scrape()
    after = scrape()
    assert value(during, "huying_db_pool_in_use") == value(before, "huying_db_pool_in_use") + 1
    assert value(after, "huying_db_pool_in_use") == value(before, "huying_db_pool_in_use")
