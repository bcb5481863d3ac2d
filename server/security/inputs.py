"""Text that no column can hold is refused before any view runs.

PostgreSQL refuses a NUL character in text (the statement fails: a 500 on whatever query
parameter, form field or path segment carried ``%00``). JSON bodies are cleaned when parsed
(``server.http.parse_json_body``); this covers what arrives in the URL and in forms.
"""

from __future__ import annotations

from flask import request

from server.errors import BadRequest


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values)


def refuse_nul() -> None:
    # The raw query string holds a NUL only as "%00" or as itself: most requests skip parsing.
    query = request.environ.get("QUERY_STRING", "")
    args = request.args.items(multi=True) if "%00" in query or "\x00" in query else ()
    form = request.form.items(multi=True) if request.mimetype == "application/x-www-form-urlencoded" else ()
    if "\x00" in request.path or _has_nul(args) or _has_nul(form):
        raise BadRequest("请求中含有无效字符", errors={"_request": ["NUL character"]})


def init_app(app) -> None:
    app.before_request(refuse_nul)
