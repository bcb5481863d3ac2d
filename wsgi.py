"""Entry point for ``flask`` (run from the repo root) and gunicorn (``wsgi:app``)."""

from server import create_app

app = create_app()
