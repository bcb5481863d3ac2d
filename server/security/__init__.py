"""Hardening that applies to every face: security headers and abuse limits.

``init_app`` is called once by ``create_app`` after the faces are registered (the limits are
attached to endpoints by name, so the views need not know about them).
"""

from __future__ import annotations

from server.security import headers, inputs, limits


def init_app(app) -> None:
    headers.init_app(app)
    inputs.init_app(app)
    limits.init_app(app)
