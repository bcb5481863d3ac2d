"""Every domain's models, imported in one place so that metadata (and Alembic) sees them all.

A domain is a sub-package of ``server`` with a ``models.py``; adding one needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

import server


def import_all() -> list[str]:
    names = []
    for info in sorted(pkgutil.iter_modules(server.__path__), key=lambda i: i.name):
        if info.ispkg and importlib.util.find_spec(f"server.{info.name}.models") is not None:
            importlib.import_module(f"server.{info.name}.models")
            names.append(info.name)
    return names


import_all()
