"""Find what each domain contributes by file name, so that adding a domain touches no registry.

- ``server/<domain>/web.py`` with ``blp``: a Flask blueprint (public pages, Open311).
- ``server/<domain>/commands.py`` with ``cli``: a click command or group for ``flask``.
- ``server/<domain>/jobs.py`` with ``JOBS``: scheduled jobs (see ``server.jobs``).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterator

import server


def domain_modules(filename: str) -> Iterator:
    for info in sorted(pkgutil.iter_modules(server.__path__), key=lambda i: i.name):
        name = f"server.{info.name}.{filename}"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)


def contributions(filename: str, attribute: str) -> list:
    return [getattr(m, attribute) for m in domain_modules(filename) if hasattr(m, attribute)]
