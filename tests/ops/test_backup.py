"""Backups: taken while residents keep submitting, restored into a fresh database, compared."""

from __future__ import annotations

import io
import json
import threading

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from server.extensions import db
from server.ops import backup
from server.requests.models import Request
from tests.conftest import PG_URL
from tests.factories import Api, image_bytes

TIMEOUT = 120


class Writer:
    """Residents submitting requests over the API in a thread until told to stop."""

    def __init__(self, app, world):
        self.app, self.section_id = app, world.section.id
        self.acknowledged: list[int] = []
        self.failures: list[str] = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            self._write()
        except Exception as exc:  # reported by wait_for, not lost with the thread
            with self.changed:
                self.failures.append(repr(exc))
                self.changed.notify_all()

    def _write(self):
        client = self.app.test_client()
        token = Api(client).post("/api/v1/auth/wechat-login", {"code": "dev-backup-writer"}).data
        api = Api(client, token["access_token"])
        n = 0
        while not self.stopping.is_set():
            n += 1
            response = api.post("/api/v1/requests", {
                "category_code": "sanitation", "description": f"路灯不亮，第{n}处",
                "section_id": self.section_id})
            with self.changed:
                if response.status == 201:
                    self.acknowledged.append(response.data["id"])
                else:
                    self.failures.append(f"{response.status} {response.body}")
                self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.acknowledged) >= count or self.failures,
                                         timeout=TIMEOUT), "the writer stalled"
        assert not self.failures, self.failures


def _fresh_database(app, tmp_path) -> str:
    if app.db_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    url = make_url(PG_URL)
    name = f"{url.database}_restore"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _rows(url: str) -> dict[int, tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {r.id: (r.no, r.status, r.description) for r in connection.execute(
                select(Request.id, Request.no, Request.status, Request.description))}
    finally:
        engine.dispose()


def test_backup_while_writing_then_restore_into_a_fresh_database(world, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_OPEN_REQUESTS", 0)
    resident = world.as_("demo-resident")
    upload = world.client.post("/api/v1/uploads", data={"file": (io.BytesIO(image_bytes()), "a.jpg")},
                               headers={"Authorization": f"Bearer {world.tokens['demo-resident']}"},
                               content_type="multipart/form-data")
    assert upload.status_code == 201
    photo = upload.json["data"]
    first = world.submit(photo_ids=[photo["id"]])
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{first['id']}/accept").status == 200
    assert resident.get(f"/api/v1/requests/{first['id']}").status == 200

    writer = Writer(app, world)
    writer.thread.start()
    try:
        writer.wait_for(5)
        result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
        assert result.exit_code == 0, result.output
        during = len(writer.acknowledged)
        writer.wait_for(during + 5)  # writes went on after the snapshot
    finally:
        writer.stopping.set()
        writer.thread.join(timeout=TIMEOUT)
    assert not writer.failures, writer.failures

    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["database"] == app.db_kind and manifest["revision"]
    assert manifest["uploads"] >= 1
    db.session.rollback()
    source_url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    source = _rows(source_url)
    assert manifest["tables"]["requests"] < len(source)  # the backup is a snapshot of the past
    assert manifest["tables"]["requests"] > 5

    target = _fresh_database(app, tmp_path)
    found = backup.restore(url=target, upload_folder=str(tmp_path / "uploads2"), directory=tmp_path / "b")
    assert found == {k: manifest[k] for k in ("revision", "tables", "timeline")}
    restored = _rows(target)
    assert len(restored) == manifest["tables"]["requests"]
    assert all(source[i] == row for i, row in restored.items())  # nothing changed, nothing invented
    assert set(writer.acknowledged[:5]) <= set(restored)  # acknowledged before it began: inside
    assert (tmp_path / "uploads2" / photo["url"].rsplit("/", 1)[-1]).is_file()

    with pytest.raises(backup.BackupError, match="already has"):
        backup.restore(url=target, upload_folder=str(tmp_path / "uploads2"), directory=tmp_path / "b")
    engine = create_engine(target)
    with engine.connect() as connection:  # the append-only timeline survived the restore
        assert connection.scalar(text("SELECT count(*) FROM request_events")) == manifest["timeline"]["events"]
    engine.dispose()


def test_a_tampered_backup_is_refused(world, app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    name = "database.dump" if app.db_kind == "postgresql" else "database.sqlite3"
    with (tmp_path / "b" / name).open("ab") as f:
        f.write(b"x")
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.restore(url=_fresh_database(app, tmp_path), upload_folder=str(tmp_path / "u"),
                       directory=tmp_path / "b")
    again = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
    assert again.exit_code != 0 and "not empty" in again.output
