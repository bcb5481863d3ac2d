"""The outbox delivery job."""

from __future__ import annotations

from server.jobs import Job
from server.notifications.service import deliver_due

JOBS = [
    Job("notifications.deliver", deliver_due, "send due outbox deliveries (retries with backoff)",
        trigger_args={"seconds": 20}),
]
