"""The ``/metrics`` exposition: the processes' own metrics (``server/telemetry.py``) and the
service's state, read from the database when scraped so that every host tells the same story.
Each domain contributes its part in its own ``metrics.py`` (a ``collect(now)`` generator of
metric families): the escalation backlog and lights (requests), the outbox (notifications), the
jobs and scheduler processes (scheduler).
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from server.discovery import contributions
from server.extensions import db
from server.telemetry import MULTIPROCESS
from server.version import VERSION


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
    """The service's state: the build, then every domain's ``collect(now)``."""

    def __init__(self, now: datetime):
        self.now = now

    def collect(self):
        info = GaugeMetricFamily("huying_build_info", "The running release", labels=["version"])
        info.add_metric([VERSION], 1)
        yield info
        try:
            for collect in contributions("metrics", "collect"):
                yield from collect(self.now)
        finally:
            db.session.rollback()
