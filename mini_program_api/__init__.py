"""The JSON API the mini-program calls (``/api/v1``): thin adapters over the domain services.

Every module of this package that defines ``blp`` (a ``server.http.Blueprint``) is registered.
"""

from __future__ import annotations

import importlib
import pkgutil


def register(api) -> None:
    package = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "blp"):
            api.register_blueprint(module.blp)
