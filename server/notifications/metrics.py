"""What ``/metrics`` reads about the outbox at scrape time: deliveries by channel and state,
and those whose attempt is due."""

from __future__ import annotations

from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, func, select

from server.extensions import db
from server.notifications.models import Delivery


def collect(now: datetime):
    session = db.session
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
