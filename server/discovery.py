"""Find what each domain contributes by file name, so that adding a domain touches no registry.

- ``server/<domain>/web.py`` with ``blp``: a Flask blueprint (public pages, Open311).
- ``server/<domain>/commands.py`` with ``cli``: a click command or group for ``flask``.
- ``server/<domain>/jobs.py`` with ``JOBS``: scheduled jobs (see ``server.jobs``).
- ``server/<domain>/listeners.py`` with ``LISTENERS``: ``{event name: function}``, called by
  :func:`emit`. A domain tells what happened without knowing who reacts, so a lower domain
  (accounts, WeChat's push) never imports a higher one (the administration, requests).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterator
from functools import cache

import server


def domain_modules(filename: str) -> Iterator:
    for info in sorted(pkgutil.iter_modules(server.__path__), key=lambda i: i.name):
        name = f"server.{info.name}.{filename}"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)


def contributions(filename: str, attribute: str) -> list:
    return [getattr(m, attribute) for m in domain_modules(filename) if hasattr(m, attribute)]


@cache
def _listeners() -> dict[str, tuple[Callable, ...]]:
    found: dict[str, list[Callable]] = {}
    for listeners in contributions("listeners", "LISTENERS"):
        for name, function in listeners.items():
            found.setdefault(name, []).append(function)
    return {name: tuple(functions) for name, functions in found.items()}


def emit(name: str, /, **kwargs) -> list:
    """Call every domain's listener of the event ``name`` with ``kwargs`` (in the caller's
    transaction, in the order of the domains' names) and return what they returned."""
    return [function(**kwargs) for function in _listeners().get(name, ())]
