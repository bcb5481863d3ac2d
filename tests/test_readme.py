"""README's walkthrough runs as written, against a served app, and again on the same database."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from tests.conftest import LoopbackServer

README = Path(__file__).resolve().parent.parent / "README.md"


def _walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("A request's whole life over HTTP")
    return re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)


def test_the_walkthrough_of_a_request_works_twice(world):
    script = _walkthrough()
    assert "/requests/1/" not in script
    with LoopbackServer(world.app) as server:
        env = {**os.environ, "PORT": str(server.server.server_port)}
        finals = []
        for _ in range(2):
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True,
                                 text=True, timeout=120)
            assert run.returncode == 0, run.stderr
            last = json.loads(run.stdout.strip().splitlines()[-1])
            assert last["code"] == 0 and last["data"]["status"] == "closed", last
            assert last["data"]["ratings"][0]["satisfaction"] == "satisfied"
            finals.append(last["data"]["id"])
    assert finals[0] != finals[1]
