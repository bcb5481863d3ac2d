"""What ``/metrics`` reads about requests at scrape time (a few indexed counts): the escalation
backlog and open requests by light."""

from __future__ import annotations

from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from server.extensions import db
from server.requests.enums import OPEN_STATUSES
from server.requests.lights import light_case
from server.requests.models import Request


def collect(now: datetime):
    session = db.session
    backlog = session.scalar(select(func.count()).select_from(Request).where(
        Request.status == "dispatched", Request.accept_deadline < now))
    yield GaugeMetricFamily("huying_escalation_backlog",
                            "Requests still waiting past their accept deadline (the escalation "
                            "job should have moved them)", value=backlog or 0)
    lights = GaugeMetricFamily("huying_open_requests", "Open requests by light", labels=["light"])
    light = light_case(now).label("light")
    counts = dict(session.execute(select(light, func.count()).where(
        Request.status.in_(OPEN_STATUSES)).group_by(light)).all())
    for name in ("green", "yellow", "red"):
        lights.add_metric([name], counts.get(name, 0))
    yield lights
