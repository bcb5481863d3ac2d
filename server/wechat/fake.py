"""An HTTP fake of WeChat's server APIs, for development and tests.

It speaks the same wire format as ``api.weixin.qq.com`` for the endpoints the product uses.
A login code ``dev-<openid>`` resolves to that openid. Tests can make the next calls of an
endpoint fail through ``POST /__control__/fail {"path", "errcode" | "http_status", "times"}``;
``POST /__control__/reset`` forgets everything.
"""

from __future__ import annotations

import threading

from flask import Flask, jsonify, request


class FakeState:
    def __init__(self):
        self.lock = threading.Lock()
        self.failures: dict[str, list[dict]] = {}
        self.calls: list[dict] = []

    def next_failure(self, path: str) -> dict | None:
        with self.lock:
            queue = self.failures.get(path) or []
            return queue.pop(0) if queue else None


def create_fake_wechat(appid: str = "wx-dev-appid") -> Flask:
    app = Flask("fake_wechat")
    state = FakeState()
    app.extensions["fake_state"] = state

    @app.before_request
    def record_and_fail():
        if request.path.startswith("/__control__"):
            return None
        with state.lock:
            state.calls.append({"path": request.path, "args": dict(request.args)})
        failure = state.next_failure(request.path)
        if failure is None:
            return None
        if "http_status" in failure:
            return "upstream error", failure["http_status"]
        return jsonify({"errcode": failure["errcode"], "errmsg": failure.get("errmsg", "fake failure")})

    @app.post("/__control__/fail")
    def fail():
        spec = request.get_json()
        with state.lock:
            for _ in range(int(spec.get("times", 1))):
                state.failures.setdefault(spec["path"], []).append(
                    {k: v for k, v in spec.items() if k in ("errcode", "errmsg", "http_status")}
                )
        return jsonify({"ok": True})

    @app.post("/__control__/reset")
    def reset():
        with state.lock:
            state.failures.clear()
            state.calls.clear()
        return jsonify({"ok": True})

    @app.get("/sns/jscode2session")
    def jscode2session():
        if request.args.get("appid") != appid:
            return jsonify({"errcode": 40013, "errmsg": "invalid appid"})
        code = request.args.get("js_code", "")
        if not code.startswith("dev-") or len(code) <= 4:
            return jsonify({"errcode": 40029, "errmsg": "invalid code"})
        openid = code[4:]
        return jsonify({"openid": openid, "session_key": f"fake-session-key-{openid}"})

    return app
