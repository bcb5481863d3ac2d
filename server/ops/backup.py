"""Backups: ``flask backup create DIR`` and ``flask backup restore DIR``.

A backup is a directory:

- ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite3`` (SQLite,
  the online backup API): one consistent snapshot, taken while the service keeps writing;
- ``uploads/``: the upload folder, copied after the snapshot, so every photo the snapshot names
  is there (uploads are written before the row that names them, and never rewritten);
- ``manifest.json``: when, the release and schema revision, the row count of every table and a
  checksum of the timeline (``request_events``), all read *in the dump's own snapshot*
  (PostgreSQL: ``pg_export_snapshot`` shared with ``pg_dump --snapshot``), and the SHA-256 of
  the database file.

Restoring checks the file against the manifest, refuses a database that already has tables
(unless told to replace it), restores, copies the uploads back and compares the restored row
counts and timeline checksum with the manifest: a restore that does not match fails loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from server.version import VERSION

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables() -> list[str]:
    from server.extensions import db

    return sorted(t.name for t in db.metadata.sorted_tables)


def facts(connection: Connection) -> dict:
    """Row counts, schema revision and the timeline's checksum, as this connection sees them."""
    from server.requests.models import Event

    counts = {name: connection.scalar(select(func.count()).select_from(table(name)))
              for name in _tables()}
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    digest = hashlib.sha256()
    # The append-only rows (their notes live in request_event_notes, which retention may erase).
    columns = (Event.id, Event.request_id, Event.actor_id, Event.actor_role, Event.action,
               Event.from_status, Event.to_status, Event.data, Event.created_at)
    for row in connection.execute(select(*columns).order_by(Event.id)).yield_per(1000):
        values = list(row)
        values[7] = json.dumps(values[7], sort_keys=True, ensure_ascii=False)
        values[8] = values[8].isoformat()
        digest.update(json.dumps(values, ensure_ascii=False, default=str).encode() + b"\n")
    return {"revision": revision, "tables": counts,
            "timeline": {"events": counts["request_events"], "sha256": digest.hexdigest()}}


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def create(*, engine: Engine, upload_folder: str, directory: Path, now: datetime) -> dict:
    """Write a backup of ``engine``'s database and the uploads into ``directory`` (new or empty)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty")
    directory.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        database_file = directory / "database.dump"
        found = _dump_postgres(engine, database_file)
    else:
        database_file = directory / "database.sqlite3"
        found = _copy_sqlite(engine, database_file)
    uploads = directory / "uploads"
    source = Path(upload_folder)
    if source.is_dir():
        shutil.copytree(source, uploads)
    else:
        uploads.mkdir()
    manifest = {
        "format": FORMAT,
        "created_at": now.astimezone(UTC).isoformat(),
        "huying_version": VERSION,
        "database": engine.dialect.name,
        **found,
        "files": {database_file.name: _sha256(database_file)},
        "uploads": sum(1 for p in uploads.rglob("*") if p.is_file()),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _dump_postgres(engine: Engine, target: Path) -> dict:
    dsn, env = _libpq(engine.url)
    with (engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
          connection.begin()):
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        found = facts(connection)  # the same snapshot pg_dump reads
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", f"--file={target}", dsn],
            env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return found


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("only a SQLite database in a file can be backed up")
    return Path(database)


def _copy_sqlite(engine: Engine, target: Path) -> dict:
    source = sqlite3.connect(_sqlite_path(engine), timeout=30)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # the online backup API: a consistent copy while others write
    finally:
        destination.close()
        source.close()
    copy = create_engine(f"sqlite:///{target}")
    try:
        with copy.connect() as connection:
            return facts(connection)
    finally:
        copy.dispose()


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: not a backup directory")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        if _sha256(Path(directory) / name) != digest:
            raise BackupError(f"{name} does not match its checksum in the manifest")
    return manifest


def restore(*, url: str | URL, upload_folder: str, directory: Path, replace: bool = False) -> dict:
    """Restore the backup in ``directory`` into the database at ``url`` and the upload folder;
    returns the restored facts (equal to the manifest's, or BackupError)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    url = make_url(url)
    kind = "postgresql" if url.get_backend_name() == "postgresql" else "sqlite"
    if kind != manifest["database"]:
        raise BackupError(f"a {manifest['database']} backup cannot be restored into {kind}")
    engine = create_engine(url)
    try:
        existing = inspect(engine).get_table_names()
        if existing and not replace:
            raise BackupError(f"the target database already has {len(existing)} tables "
                              "(restore into a fresh database, or pass --replace)")
        if kind == "postgresql":
            engine.dispose()
            _restore_postgres(url, directory / "database.dump", replace=bool(existing))
        else:
            engine.dispose()
            _restore_sqlite(url, directory / "database.sqlite3")
        with engine.connect() as connection:
            found = facts(connection)
    finally:
        engine.dispose()
    expected = {k: manifest[k] for k in ("revision", "tables", "timeline")}
    if found != expected:
        differ = sorted(t for t in expected["tables"] if expected["tables"][t] != found["tables"].get(t))
        raise BackupError(f"the restored database does not match the manifest (tables: {differ}, "
                          f"timeline equal: {found['timeline'] == expected['timeline']})")
    target = Path(upload_folder)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(directory / "uploads", target, dirs_exist_ok=True)
    return found


def _restore_postgres(url: URL, dump: Path, *, replace: bool) -> None:
    dsn, env = _libpq(url)
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={dsn}", str(dump)]
    if replace:
        command[1:1] = ["--clean", "--if-exists"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")


def _restore_sqlite(url: URL, copy: Path) -> None:
    target = url.database
    if not target or target == ":memory:":
        raise BackupError("restore into a SQLite database in a file")
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
