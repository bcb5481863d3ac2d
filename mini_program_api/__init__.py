"""The JSON API the mini-program calls (``/api/v1``): thin adapters over the domain services."""

from __future__ import annotations


def register(api) -> None:
    from mini_program_api import auth, places, requests, uploads

    for module in (auth, places, requests, uploads):
        api.register_blueprint(module.blp)
