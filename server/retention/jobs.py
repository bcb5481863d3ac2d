from __future__ import annotations

from server.jobs import Job
from server.retention.service import anonymise_closed


def _anonymise(now):
    counts = anonymise_closed(now)
    return ", ".join(f"{name} {count}" for name, count in counts.items())


JOBS = [
    Job(id="retention.anonymise_closed", func=_anonymise,
        description="anonymise requests closed longer than RETENTION_DAYS; delete their photos",
        trigger="interval", trigger_args={"hours": 6}),
]
