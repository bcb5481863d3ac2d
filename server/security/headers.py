"""Security headers on every response, whatever the face.

- JSON, media and everything else: ``nosniff``, no framing at all (``X-Frame-Options: DENY``
  and CSP ``frame-ancestors 'none'``), no referrer, and a CSP that allows nothing.
- HTML pages (the sunlight list, the API docs page): a strict CSP without scripts. They are
  shown inside the mini-program's ``web-view``, which renders them as a top-level document; the
  framing ancestors allowed are configurable (``HTML_FRAME_ANCESTORS``), so no
  ``X-Frame-Options`` (it has no allow-list) on them.
- CORS: none, unless ``CORS_ORIGINS`` lists origins (production refuses ``*``).
- Production adds HSTS (the service is only reached over HTTPS there).
"""

from __future__ import annotations

from flask import Flask, Response

NO_CONTENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def html_csp(frame_ancestors: str) -> str:
    """Pages render on the server and carry no script: inline styles, same-origin images."""
    return ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {frame_ancestors}")


def init_app(app: Flask) -> None:
    html = html_csp(app.config["HTML_FRAME_ANCESTORS"])
    hsts = app.config.get("ENV_NAME") == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", html)
        else:
            headers.setdefault("Content-Security-Policy", NO_CONTENT_CSP)
            headers.setdefault("X-Frame-Options", "DENY")
        cors(response, app.config["CORS_ORIGINS"])
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def cors(response: Response, allowed: list[str]) -> None:
    """Echo an allowed ``Origin`` (never ``*``, never credentials); nothing for the others."""
    from flask import request

    origin = (request.headers.get("Origin") or "").rstrip("/")
    if allowed and origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
