from __future__ import annotations

from server.jobs import Job
from server.open311.service import anonymise_requesters


def _anonymise(now):
    return f"{anonymise_requesters(now)} requester(s) anonymised"


JOBS = [
    Job(id="open311.anonymise_requesters", func=_anonymise,
        description="clear Open311 requesters' contacts after the retention period",
        trigger="interval", trigger_args={"hours": 6}),
]
