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
    common = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
    if app.config.get("ENV_NAME") == "production":
        common.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    for_html = [*common, ("Content-Security-Policy", html)]
    for_other = [*common, ("Content-Security-Policy", NO_CONTENT_CSP), ("X-Frame-Options", "DENY")]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # One pass over the headers a view set, then the missing ones appended: the same as a
        # ``setdefault`` per header, at a fraction of its cost (it runs on every response).
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (names, not pairs)
        wanted = for_html if response.mimetype == "text/html" else for_other
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        if app.config["CORS_ORIGINS"]:
            cors(response, app.config["CORS_ORIGINS"])
        return response


def cors(response: Response, allowed: list[str]) -> None:
    """Echo an allowed ``Origin`` (never ``*``, never credentials); nothing for the others."""
    from flask import request

    origin = (request.headers.get("Origin") or "").rstrip("/")
    if allowed and origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
