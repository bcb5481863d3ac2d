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


@seed_cli.command("synthetic")
@click.option("--scale", type=click.Choice(["tiny", "county", "city"]), default="county", show_default=True,
              help="county: 155 grids, 189 sections, 5,131 members, 100,000 requests; city: 1,000,000 requests")
@click.option("--seed", "seed_value", type=int, default=20261123, show_default=True, help="random seed")
def seed_synthetic(scale: str, seed_value: int):
    """Load deterministic synthetic data for benchmarks (into an otherwise empty database)."""
    from seed.synthetic import SCALES, AlreadyLoaded, generate

    chosen = SCALES[scale]
    with click.progressbar(length=chosen.requests, label=f"synthetic {scale}: requests") as bar:
        try:
            counts = generate(scale=chosen, now=clock.now(), seed=seed_value, progress=bar.update)
        except AlreadyLoaded as exc:
            raise click.ClickException(str(exc)) from None
    click.echo("loaded: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def register_cli(app: Flask) -> None:
    from server.jobs import jobs_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(jobs_cli)
    for command in contributions("commands", "cli"):
        app.cli.add_command(command)
