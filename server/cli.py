"""Operator commands for ``flask``: seed data, jobs, and each domain's ``commands.py``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from server import clock
from server.discovery import contributions

seed_cli = AppGroup("seed", help="Load reference, demo or synthetic data.")


@seed_cli.command("demo")
def seed_demo():
    """Load the categories and the demo community with its accounts (idempotent)."""
    from seed.loader import load_demo

    counts = load_demo(clock.now())
    click.echo("demo data loaded: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))


def register_cli(app: Flask) -> None:
    from server.jobs import jobs_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(jobs_cli)
    for command in contributions("commands", "cli"):
        app.cli.add_command(command)
