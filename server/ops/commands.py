"""``flask backup create DIR`` and ``flask backup restore DIR`` (see server/ops/backup.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from server import clock
from server.extensions import db
from server.ops import backup

cli = AppGroup("backup", help="Back up the database and the uploads, or restore them.")


@cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def create(directory: Path):
    """Back up into DIRECTORY (new or empty) while the service keeps running."""
    try:
        manifest = backup.create(engine=db.engine, upload_folder=current_app.config["UPLOAD_FOLDER"],
                                 directory=directory, now=clock.now())
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup of {manifest['database']} at revision {manifest['revision']}: "
               f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
               f"{manifest['timeline']['events']} timeline events, {manifest['uploads']} uploads "
               f"-> {directory}")


@cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="drop what the target database holds first")
def restore(directory: Path, replace: bool):
    """Restore DIRECTORY into DATABASE_URL and UPLOAD_FOLDER, and check it against its manifest."""
    db.engine.dispose()  # the restore uses its own connections
    try:
        found = backup.restore(url=db.engine.url, upload_folder=current_app.config["UPLOAD_FOLDER"],
                               directory=directory, replace=replace)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored revision {found['revision']}: {sum(found['tables'].values())} rows, "
               f"timeline of {found['timeline']['events']} events verified")
