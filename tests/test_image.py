"""The image, without a Docker engine: the environment the Dockerfile builds, proved another way.

A fresh virtualenv gets ``requirements.txt`` only (no dev dependencies); the files the
Dockerfile copies are copied beside it; everything runs as an unprivileged user (uid 65534 when
the suite runs as root) with production settings against a fresh PostgreSQL database and Redis:
``flask db upgrade``, ``gunicorn -c gunicorn.conf.py wsgi:app`` (two workers), smoke requests
(readiness, liveness, metrics summed over the workers, the JSON access log with the request id)
and ``flask scheduler run`` / ``flask scheduler status``.

Wheels are kept in a wheelhouse (``HUYING_WHEELHOUSE``, default ``~/.cache/huying/wheels``):
the first run downloads them, later runs install with ``--no-index``, offline.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from server.wechat.templates import DEFAULT_TEMPLATES
from tests.conftest import PG_URL, _postgres_answers
from tests.duty.test_scheduler import Scheduler

pytestmark = pytest.mark.image
ROOT = Path(__file__).resolve().parents[1]
COPIED = ("server", "mini_program_api", "seed", "wsgi.py", "gunicorn.conf.py", "requirements.txt")
TIMEOUT = 120
NOBODY = 65534


def _wheelhouse() -> Path:
    return Path(os.environ.get("HUYING_WHEELHOUSE", Path.home() / ".cache" / "huying" / "wheels"))


def _run(command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}: {result.stdout[-2000:]} {result.stderr[-2000:]}"
    return result


def _as_app_user() -> list[str]:
    """The prefix that drops root, as the image's USER does (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _interpreter() -> str:
    """This Python, unless the unprivileged user cannot run it (an interpreter under root's
    home): then the system's Python 3.11."""
    if os.geteuid() != 0:
        return sys.executable
    probe = subprocess.run([*_as_app_user(), sys.executable, "-c", "import sys; print(sys.prefix)"],
                           capture_output=True, text=True, check=False)
    if probe.returncode == 0 and probe.stdout.strip() == sys.base_prefix:
        return sys.executable
    system = shutil.which("python3.11", path="/usr/local/bin:/usr/bin")
    if system is None:
        pytest.skip("no Python 3.11 that an unprivileged user may run")
    return system


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    problem = _postgres_answers(PG_URL)
    if problem:
        message = f"PostgreSQL not reachable at {PG_URL}: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true requires it)", pytrace=False)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="huying-image-"))
    base.chmod(0o755)
    app = base / "app"
    app.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, app / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, app / name)
    wheels = _wheelhouse()
    wheels.mkdir(parents=True, exist_ok=True)
    _run([_interpreter(), "-m", "venv", str(base / "venv")])
    pip = [str(base / "venv" / "bin" / "pip"), "--disable-pip-version-check"]
    _run([*pip, "download", "--quiet", "--dest", str(wheels), "--no-deps", "-r", str(app / "requirements.txt"),
          "--find-links", str(wheels)])  # only what the wheelhouse lacks
    _run([*pip, "install", "--quiet", "--no-index", "--find-links", str(wheels),
          "-r", str(app / "requirements.txt")])
    for folder in ("instance", "uploads"):
        (app / folder).mkdir()
        if os.geteuid() == 0:
            os.chown(app / folder, NOBODY, NOBODY)

    url = make_url(PG_URL)
    name = f"{url.database}_image"
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    # Every kind the product sends needs a real id in production, whatever kinds are added later.
    templates = {kind: {"id": f"tmpl-{kind}"} for kind in DEFAULT_TEMPLATES}
    port = _free_port()
    env = {
        "PATH": f"{base / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(app), "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "FLASK_APP": "wsgi.py",
        "HUYING_ENV": "production",
        "DATABASE_URL": url.set(database=name).render_as_string(hide_password=False),
        "SECRET_KEY": secrets.token_urlsafe(48), "WECHAT_APPID": "wx0123456789abcdef",
        "WECHAT_SECRET": secrets.token_hex(16), "WECHAT_API_BASE": "https://api.weixin.qq.com",
        "WECHAT_PUSH_TOKEN": secrets.token_hex(8), "WECHAT_TEMPLATES": json.dumps(templates),
        "PUBLIC_BASE_URL": "https://huying.example.org", "REDIS_URL": "redis://127.0.0.1:6379/11",
        "UPLOAD_FOLDER": str(app / "uploads"), "METRICS_TOKEN": secrets.token_hex(16),
        "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "WEB_THREADS": "2",
    }
    yield {"app": app, "env": env, "url": f"http://127.0.0.1:{port}"}
    shutil.rmtree(base, ignore_errors=True)


def test_the_image_migrates_serves_and_schedules_as_an_unprivileged_user(image):
    app, env, url = image["app"], image["env"], image["url"]
    user = _as_app_user()
    _run([*user, "flask", "db", "upgrade"], cwd=app, env=env)
    web = subprocess.Popen([*user, "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=app, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = None
        for _ in range(TIMEOUT * 10):
            try:
                ready = requests.get(f"{url}/readyz", timeout=60)
                break
            except requests.ConnectionError:
                try:
                    web.wait(timeout=0.1)  # waits on the process; returns at once if it died
                    pytest.fail(f"gunicorn exited: {web.stdout.read()[-3000:]}")
                except subprocess.TimeoutExpired:
                    continue
        assert ready is not None and ready.status_code == 200, ready and ready.text
        assert ready.json()["data"] == {"database": "ok", "migrations": "ok", "redis": "ok",
                                        "version": ready.json()["data"]["version"]}
        for n in range(6):
            ping = requests.get(f"{url}/api/v1/ping", headers={"X-Request-ID": f"smoke-{n}"}, timeout=60)
            assert ping.status_code == 200 and ping.headers["X-Request-ID"] == f"smoke-{n}"
        assert requests.get(f"{url}/sunlight/", timeout=60).status_code == 200
        assert requests.get(f"{url}/metrics", timeout=60).status_code == 401
        metrics = requests.get(f"{url}/metrics", timeout=60,
                               headers={"Authorization": f"Bearer {env['METRICS_TOKEN']}"}).text
        line = next(m for m in metrics.splitlines() if m.startswith(
            'huying_http_requests_total{endpoint="/api/v1/ping",method="GET",status="200"}'))
        assert float(line.split()[-1]) == 6  # summed over both workers
        uid = next(int(f.split()[1]) for f in Path(f"/proc/{web.pid}/status").read_text().splitlines()
                   if f.startswith("Uid:"))
        assert uid != 0
    finally:
        web.terminate()
        out, _ = web.communicate(timeout=TIMEOUT)
    access = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    smoke = [r for r in access if r.get("logger") == "huying.access" and r.get("request_id") == "smoke-3"]
    assert len(smoke) == 1 and smoke[0]["route"] == "/api/v1/ping" and smoke[0]["status"] == 200

    scheduler = Scheduler(env["DATABASE_URL"], command=[*user, "flask", "scheduler", "run"],
                          cwd=app, env=env)
    try:
        scheduler.expect("scheduler: leader (")
        status = _run([*user, "flask", "scheduler", "status"], cwd=app, env=env)
        assert "leader: " in status.stdout and "NONE" not in status.stdout
        assert scheduler.stop() == 0
    finally:
        scheduler.close()
