"""HTTP caching for the public faces: a strong ETag over the body, 304 when it is unchanged.

Public pages are shared in WeChat groups and read by thousands at once; a short shared cache
lifetime lets a proxy or CDN absorb the burst, and the ETag lets browsers revalidate cheaply.
"""

from __future__ import annotations

from flask import current_app, request


def conditional(response):
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    max_age = current_app.config.get("SUNLIGHT_CACHE_SECONDS", 60)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers.add("Vary", "Accept-Encoding")
    response.add_etag()
    return response.make_conditional(request)
