"""No phone number, token or openid in any log line: a whole life of a request is driven over
real HTTP against the app served on loopback (with werkzeug's access log and the production
JSON access log on), every logger captured at DEBUG, in the text and in the JSON format, and the
captured lines are scanned."""

from __future__ import annotations

import io
import json
import logging

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from server.logs import JsonFormatter, RequestContext
from tests.conftest import LoopbackServer

PHONE = "13912348765"
OPENIDS = ("demo-resident", "demo-member-a", "demo-committee")


class _AccessLogged(LoopbackServer):
    """The app served like ``flask run`` serves it: werkzeug's access log on."""

    def __init__(self, wsgi_app):
        super().__init__(wsgi_app)
        self.server.server_close()
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True,
                                  request_handler=WSGIRequestHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread.__init__(target=self.server.serve_forever, daemon=True)


def _call(url, method, path, token=None, json=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, url + path, json=json, headers=headers, timeout=30)
    assert response.status_code < 300, (path, response.text)
    return response.json()["data"]


def test_a_full_lifecycle_logs_no_phone_token_or_openid(world, caplog, monkeypatch):
    monkeypatch.setitem(world.app.config, "ACCESS_LOG", True)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    logging.getLogger().addHandler(handler)
    tokens = {}
    with caplog.at_level(logging.DEBUG), _AccessLogged(world.app) as app:
        for openid in OPENIDS:
            tokens[openid] = _call(app.url, "POST", "/api/v1/auth/wechat-login",
                                   json={"code": f"dev-{openid}"})
        resident, member, committee = (tokens[o]["access_token"] for o in OPENIDS)
        _call(app.url, "POST", "/api/v1/me/phone", resident, {"code": f"phone-{PHONE}"})
        rid = _call(app.url, "POST", "/api/v1/requests", resident, {
            "category_code": "sanitation", "description": "楼道里堆满了杂物，影响通行",
            "section_id": world.section.id, "address": "幸福小区3号楼2单元501"})["id"]
        _call(app.url, "POST", f"/api/v1/requests/{rid}/accept", member)
        assert _call(app.url, "GET", f"/api/v1/requests/{rid}/contact", member)["phone"] == PHONE
        _call(app.url, "POST", f"/api/v1/requests/{rid}/resolve", member, {"note": "已清理"})
        _call(app.url, "POST", f"/api/v1/requests/{rid}/approve", committee)
        _call(app.url, "POST", f"/api/v1/requests/{rid}/rate", resident,
              {"resolved": True, "satisfaction": "satisfied"})
        refreshed = _call(app.url, "POST", "/api/v1/auth/refresh", tokens["demo-resident"]["refresh_token"])
        _call(app.url, "GET", "/api/v1/me", refreshed["access_token"])
    logging.getLogger().removeHandler(handler)

    lines = [f"{r.name}: {r.getMessage()}" for r in caplog.records]
    json_lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in json_lines]  # every line is one JSON object
    submit = [r for r in records if r["logger"] == "huying.access" and r.get("route") == "/api/v1/requests"
              and r["method"] == "POST"]
    assert len(submit) == 1 and submit[0]["status"] == 201 and submit[0]["latency_ms"] >= 0
    assert submit[0]["user_id"] == world.user("demo-resident").id and len(submit[0]["request_id"]) == 32
    lines += json_lines
    assert any("POST /api/v1/requests" in line for line in lines), "the access log was not captured"
    secrets = [PHONE, *OPENIDS, refreshed["access_token"], refreshed["refresh_token"],
               *(t[kind] for t in tokens.values() for kind in ("access_token", "refresh_token"))]
    leaks = [(secret[:12], line) for line in lines for secret in secrets if secret in line]
    assert leaks == []
