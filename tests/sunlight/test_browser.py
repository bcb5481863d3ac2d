"""The community page as a phone's browser shows it: headless Chromium on a loopback server.

Chromium comes from Debian (``tests/ensure-chromium.sh``, run by ``make test``). Without it the
test skips with a message, except with ``CI=true``, where it must run. The screenshot is kept
under ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LoopbackServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars", "--window-size=412,2400"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium not found: run tests/ensure-chromium.sh (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true requires it)", pytrace=False)
    pytest.skip(message)


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_community_page_in_headless_chromium(world, clock, tmp_path):
    binary = _chromium()
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    ids = [world.submit(public=True)["id"] for _ in range(3)]
    clock.advance(minutes=12)
    member.post(f"/api/v1/requests/{ids[0]}/accept")
    member.post(f"/api/v1/requests/{ids[0]}/resolve", {"note": "已清理"})
    committee.post(f"/api/v1/requests/{ids[0]}/approve")
    world.as_("demo-resident").post(f"/api/v1/requests/{ids[0]}/rate",
                                    {"resolved": True, "satisfaction": "satisfied"})
    with LoopbackServer(world.app) as server:
        url = f"{server.url}/sunlight/communities/{world.community.id}"
        dom = _run(binary, tmp_path / "profile", "--dump-dom", url)
        assert dom.returncode == 0, dom.stderr[-2000:]
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"sunlight-community-{world.app.db_kind}.png"
        shot.unlink(missing_ok=True)
        picture = _run(binary, tmp_path / "profile2", f"--screenshot={shot}", url)
        assert picture.returncode == 0, picture.stderr[-2000:]
    html = dom.stdout
    assert re.search(r'<b id="total">\s*3\s*</b>', html)  # calls that came in
    for label in ("响应率", "解决率", "满意率", "按时办结率", "服务队排行", "党员排行"):
        assert label in html
    assert "33.3%" in html  # 1 of 3 responded in time; 1 of 1 rated satisfied → 100.0%
    assert html.count('class="request"') == 3 and "王*" in html
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000


def test_county_and_street_pages_in_headless_chromium(world, clock, tmp_path):
    binary = _chromium()
    member = world.as_("demo-member-a")
    ids = [world.submit(public=True)["id"] for _ in range(4)]
    for rid in ids[:3]:
        assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    clock.advance(days=1)  # the fourth is past its accept deadline: 3 of 4 responded
    street_id = world.community.street_id
    pages = {}
    with LoopbackServer(world.app) as server:
        for name, path in (("county", "/sunlight/county"), ("street", f"/sunlight/streets/{street_id}")):
            url = f"{server.url}{path}?month=2026-11"
            dom = _run(binary, tmp_path / f"profile-{name}", "--dump-dom", url)
            assert dom.returncode == 0, dom.stderr[-2000:]
            pages[name] = dom.stdout
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"sunlight-{name}-{world.app.db_kind}.png"
            shot.unlink(missing_ok=True)
            picture = _run(binary, tmp_path / f"shot-{name}", f"--screenshot={shot}", url)
            assert picture.returncode == 0, picture.stderr[-2000:]
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    county, street = pages["county"], pages["street"]
    assert re.search(r'<b id="total">\s*4\s*</b>', county)
    assert "全县排名" in county and "街道排名" in county and "社区排名" in county
    assert county.count('class="street"') == 2 and county.count('class="community"') == 2
    assert "75.0%" in county and "<svg" in county and "<script" not in county
    assert re.search(r'<b id="street-rank">\s*1\s*</b>', street)
    assert street.count('class="community"') == 1 and "75.0%" in street
    assert world.community.street.name in street


_HARNESS = """<!doctype html><meta charset="utf-8"><body>{frames}<script>
const widths = [];
window.addEventListener("load", () => {{
  for (const f of document.querySelectorAll("iframe")) {{
    const page = f.contentDocument.documentElement;
    widths.push(f.dataset.path + "=" + page.scrollWidth + "/" + page.clientWidth);
  }}
  document.body.setAttribute("data-widths", widths.join(" "));
}});
</script>"""


def test_pages_do_not_scroll_sideways_on_a_420px_phone(world, tmp_path, monkeypatch):
    """Each HTML page, framed 420 px wide on its own origin (the pages allow 'self' as an
    ancestor), is no wider than its frame: nothing scrolls sideways."""
    binary = _chromium()
    request_id = world.submit(public=True)["id"]
    paths = ["/api/v1/docs", "/sunlight/", f"/sunlight/communities/{world.community.id}",
             f"/sunlight/requests/{request_id}", "/sunlight/county",
             f"/sunlight/streets/{world.community.street_id}"]
    frames = "".join(f'<iframe data-path="{p}" src="{p}" style="width:420px;height:900px">'
                     "</iframe>" for p in paths)
    inner = world.app.wsgi_app

    def harness(environ, start_response):  # same origin as the pages, outside the app
        if environ["PATH_INFO"] != "/__harness__":
            return inner(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [_HARNESS.format(frames=frames).encode()]

    monkeypatch.setattr(world.app, "wsgi_app", harness)
    with LoopbackServer(world.app) as server:
        dom = _run(binary, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom",
                   f"{server.url}/__harness__")
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-widths="([^"]*)"', dom.stdout)
    assert found, dom.stdout[-2000:]
    widths = dict(item.split("=") for item in found.group(1).split())
    assert set(widths) == set(paths)
    for path, measure in widths.items():
        scroll, client = (int(n) for n in measure.split("/"))
        assert 300 < client <= 420 and scroll <= client, f"{path} is {scroll}px wide in {client}px"
