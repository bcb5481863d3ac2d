"""``flask open311 keys create NAME | list | revoke ID``: partners' API keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server import clock
from server.errors import DomainError
from server.open311 import keys

cli = AppGroup("open311", help="Open311 GeoReport v2: partners' API keys.")
keys_cli = AppGroup("keys", help="Create, list and revoke partners' API keys.")
cli.add_command(keys_cli)


@keys_cli.command("create")
@click.argument("name")
@click.option("--tokens", is_flag=True,
              help="POST requests answers with a token instead of the request id")
def create(name: str, tokens: bool):
    """Create a key for partner NAME; the key is printed once, as the last word."""
    try:
        row, key = keys.create(name=name, now=clock.now(), returns_tokens=tokens)
    except DomainError as error:
        raise click.BadParameter(error.msg, param_hint="NAME") from None
    click.echo(f"created key {row.id} for {row.name} (store it now, it is not kept): {key}")


@keys_cli.command("list")
def list_keys():
    """Every key: id, partner, prefix, created, and revoked if so."""
    rows = keys.all_keys()
    if not rows:
        click.echo("no keys")
    for row in rows:
        state = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "active"
        mode = " tokens" if row.returns_tokens else ""
        click.echo(f"{row.id:>4}  {row.name:24} {row.prefix}…  "
                   f"created {row.created_at.isoformat()}  {state}{mode}")


@keys_cli.command("revoke")
@click.argument("key_id", type=click.IntRange(1, 2**31 - 1))
def revoke(key_id: int):
    """Revoke key KEY_ID (see `list`); requests it posted stay."""
    try:
        row = keys.revoke(key_id=key_id, now=clock.now())
    except DomainError as error:
        raise click.ClickException(error.msg) from None
    click.echo(f"revoked key {row.id} of {row.name}")
