"""Operations: readiness, request ids and JSON logs, Prometheus metrics, backups.

``init_app`` is called once by ``create_app``; the routes (``/readyz``, ``/metrics``) are in
``web.py``, the ``flask backup`` commands in ``commands.py``.
"""

from __future__ import annotations


def init_app(app) -> None:
    from server.ops import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
