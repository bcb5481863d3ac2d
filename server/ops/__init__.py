"""Operations: readiness, the metrics exposition, backups.

``init_app`` (called once by ``create_app``) sets up request ids and logs (``server/logs.py``)
and the process metrics (``server/telemetry.py``), the leaves every layer reports to; the
routes (``/readyz``, ``/metrics``) are in ``web.py``, the ``flask backup`` commands in
``commands.py``.
"""

from __future__ import annotations


def init_app(app) -> None:
    from server import logs, telemetry

    logs.init_app(app)
    telemetry.init_app(app)
