"""An HTTP fake of WeChat's server APIs, for development and tests.

It speaks the same wire format as ``api.weixin.qq.com`` for every endpoint the product uses
and keeps state like WeChat does: access tokens that expire, codes (single-use when the
``single_use_codes`` option is on), subscribe credits (checked when ``enforce_credits`` is on),
sent messages and pending media checks.

- Login: ``dev-<openid>`` resolves to that openid (usable again and again unless
  ``single_use_codes``).
- Phone: a getPhoneNumber code ``phone-<digits>`` resolves to that number;
  ``phone-otherapp-<digits>`` answers with another appid's watermark.
- Text checks: text with a word of ``RISKY_WORDS`` is ``risky``, of ``REVIEW_WORDS`` ``review``.
- Subscribe values longer than WeChat allows for their key type are refused with 47003.

Control endpoints (tests and developers):
``POST /__control__/fail {"path", "errcode" | "http_status" | "delay", "times"}`` makes the
next calls of a path fail (``delay`` seconds of silence first: a timeout);
``POST /__control__/options {"single_use_codes", "enforce_credits"}``;
``POST /__control__/grant {"openid", "template_id", "times"}`` adds subscribe credits;
``POST /__control__/expire_tokens`` expires every access token;
``GET /__control__/media_checks`` lists media checks awaiting a verdict;
``POST /__control__/reset`` forgets everything.
"""

from __future__ import annotations

import secrets
import threading
import time

from flask import Flask, jsonify, request

RISKY_WORDS = ("赌博", "诈骗", "枪支")
REVIEW_WORDS = ("加微信", "代开发票")
TOKEN_SECONDS = 7200

# WeChat's value limits per key type of a subscribe template (None: no length limit checked).
VALUE_LIMITS = {"thing": 20, "number": 32, "letter": 32, "character_string": 32, "symbol": 5,
                "phrase": 5, "name": 20, "phone_number": 17, "car_number": 8, "time": 32,
                "date": 32, "amount": 11}


class FakeState:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.failures: dict[str, list[dict]] = {}
        self.calls: list[dict] = []
        self.tokens: dict[str, float] = {}  # token -> wall-clock expiry
        self.current_token: str | None = None
        self.used_codes: set[str] = set()
        self.options = {"single_use_codes": False, "enforce_credits": False}
        self.credits: dict[tuple[str, str], int] = {}
        self.sent: list[dict] = []
        self.text_checks: list[dict] = []
        self.media_checks: dict[str, dict] = {}

    def next_failure(self, path: str) -> dict | None:
        with self.lock:
            queue = self.failures.get(path) or []
            return queue.pop(0) if queue else None

    def use_code(self, code: str) -> bool:
        """False when a single-use code comes back."""
        with self.lock:
            if self.options["single_use_codes"] and code in self.used_codes:
                return False
            self.used_codes.add(code)
            return True

    def token_valid(self, token: str | None) -> int:
        """0 when valid, else WeChat's errcode (40001 unknown, 42001 expired)."""
        with self.lock:
            expiry = self.tokens.get(token or "")
        if expiry is None:
            return 40001
        return 42001 if expiry <= time.time() else 0

    def media_event(self, trace_id: str, suggest: str = "pass", label: int = 100,
                    appid: str = "wx-dev-appid") -> dict:
        """The message-push body WeChat sends when a media check finishes."""
        return {"ToUserName": "gh_fake", "FromUserName": "fake", "CreateTime": int(time.time()),
                "MsgType": "event", "Event": "wxa_media_check", "appid": appid,
                "trace_id": trace_id, "version": 2, "errcode": 0, "errmsg": "ok",
                "result": {"suggest": suggest, "label": label},
                "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest,
                            "label": label}]}


def _error(errcode: int, errmsg: str):
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def create_fake_wechat(appid: str = "wx-dev-appid", secret: str | None = None) -> Flask:
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
        if "delay" in failure:
            time.sleep(float(failure["delay"]))
            if "errcode" not in failure and "http_status" not in failure:
                return None
        if "http_status" in failure:
            return "upstream error", failure["http_status"]
        return _error(failure["errcode"], failure.get("errmsg", "fake failure"))

    def authorised() -> object | None:
        errcode = state.token_valid(request.args.get("access_token"))
        if errcode:
            return _error(errcode, "invalid credential, access_token is invalid or not latest")
        return None

    # --- control ----------------------------------------------------------------------------

    @app.post("/__control__/fail")
    def fail():
        spec = request.get_json()
        with state.lock:
            for _ in range(int(spec.get("times", 1))):
                state.failures.setdefault(spec["path"], []).append(
                    {k: v for k, v in spec.items() if k in ("errcode", "errmsg", "http_status",
                                                             "delay")}
                )
        return jsonify({"ok": True})

    @app.post("/__control__/options")
    def options():
        with state.lock:
            state.options.update({k: bool(v) for k, v in request.get_json().items()
                                  if k in state.options})
        return jsonify(state.options)

    @app.post("/__control__/grant")
    def grant():
        spec = request.get_json()
        key = (spec["openid"], spec["template_id"])
        with state.lock:
            state.credits[key] = state.credits.get(key, 0) + int(spec.get("times", 1))
        return jsonify({"ok": True})

    @app.post("/__control__/expire_tokens")
    def expire_tokens():
        with state.lock:
            state.tokens = dict.fromkeys(state.tokens, 0.0)
        return jsonify({"ok": True})

    @app.get("/__control__/media_checks")
    def media_checks():
        with state.lock:
            return jsonify([{"trace_id": k, **v} for k, v in state.media_checks.items()])

    @app.post("/__control__/reset")
    def reset():
        with state.lock:
            state.reset()
        return jsonify({"ok": True})

    # --- WeChat -----------------------------------------------------------------------------

    @app.get("/sns/jscode2session")
    def jscode2session():
        if request.args.get("appid") != appid:
            return _error(40013, "invalid appid")
        if secret is not None and request.args.get("secret") != secret:
            return _error(40125, "invalid appsecret")
        code = request.args.get("js_code", "")
        if not code.startswith("dev-") or len(code) <= 4 or not state.use_code(code):
            return _error(40029, "invalid code")
        openid = code[4:]
        return jsonify({"openid": openid, "session_key": f"fake-session-key-{openid}"})

    @app.post("/cgi-bin/stable_token")
    def stable_token():
        body = request.get_json(silent=True) or {}
        if body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if body.get("appid") != appid:
            return _error(40013, "invalid appid")
        if not body.get("secret") or (secret is not None and body["secret"] != secret):
            return _error(40125, "invalid appsecret")
        now = time.time()
        with state.lock:
            current = state.current_token
            if body.get("force_refresh") or current is None or state.tokens[current] <= now:
                current = "fake-token-" + secrets.token_hex(8)
                state.current_token = current
                state.tokens[current] = now + TOKEN_SECONDS
            expires_in = int(state.tokens[current] - now)
        return jsonify({"access_token": current, "expires_in": expires_in})

    @app.post("/wxa/business/getuserphonenumber")
    def phone_number():
        refused = authorised()
        if refused:
            return refused
        code = (request.get_json(silent=True) or {}).get("code", "")
        if not code.startswith("phone-") or not state.use_code(code):
            return _error(40029, "invalid code")
        number = code.removeprefix("phone-")
        watermark_appid = appid
        if number.startswith("otherapp-"):
            number, watermark_appid = number.removeprefix("otherapp-"), "wx-another-appid"
        if not number.isdigit():
            return _error(40029, "invalid code")
        return jsonify({"errcode": 0, "errmsg": "ok", "phone_info": {
            "phoneNumber": f"+86{number}", "purePhoneNumber": number, "countryCode": 86,
            "watermark": {"timestamp": int(time.time()), "appid": watermark_appid}}})

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        refused = authorised()
        if refused:
            return refused
        body = request.get_json(silent=True) or {}
        touser, template_id = body.get("touser"), body.get("template_id")
        if not touser:
            return _error(40003, "invalid openid")
        if not template_id:
            return _error(40037, "invalid template id")
        for key, item in (body.get("data") or {}).items():
            kind = key.rstrip("0123456789")
            limit = VALUE_LIMITS.get(kind)
            value = str((item or {}).get("value", ""))
            if not value or (limit is not None and len(value) > limit):
                return _error(47003, f"argument invalid! data.{key}.value invalid")
        with state.lock:
            if state.options["enforce_credits"]:
                left = state.credits.get((touser, template_id), 0)
                if left <= 0:
                    return _error(43101, "user refuse to accept the msg")
                state.credits[(touser, template_id)] = left - 1
            msgid = len(state.sent) + 1
            state.sent.append({**body, "msgid": msgid})
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check():
        refused = authorised()
        if refused:
            return refused
        body = request.get_json(silent=True) or {}
        if body.get("version") != 2 or not body.get("openid"):
            return _error(40003, "invalid openid")
        if body.get("scene") not in (1, 2, 3, 4):
            return _error(40129, "invalid scene")
        content = body.get("content") or ""
        if not content:
            return _error(44002, "empty content")
        if any(word in content for word in RISKY_WORDS):
            suggest, label = "risky", 20006
        elif any(word in content for word in REVIEW_WORDS):
            suggest, label = "review", 10001
        else:
            suggest, label = "pass", 100
        trace_id = "trace-" + secrets.token_hex(8)
        with state.lock:
            state.text_checks.append({"openid": body["openid"], "content": content,
                                      "suggest": suggest})
        return jsonify({"errcode": 0, "errmsg": "ok", "trace_id": trace_id,
                        "result": {"suggest": suggest, "label": label},
                        "detail": [{"strategy": "content_model", "errcode": 0,
                                    "suggest": suggest, "label": label}]})

    @app.post("/wxa/media_check_async")
    def media_check_async():
        refused = authorised()
        if refused:
            return refused
        body = request.get_json(silent=True) or {}
        if body.get("version") != 2 or not body.get("openid"):
            return _error(40003, "invalid openid")
        url = str(body.get("media_url") or "")
        if not url.startswith(("http://", "https://")) or body.get("media_type") not in (1, 2):
            return _error(47001, "data format error")
        trace_id = "trace-" + secrets.token_hex(8)
        with state.lock:
            state.media_checks[trace_id] = {"media_url": url, "openid": body["openid"]}
        return jsonify({"errcode": 0, "errmsg": "ok", "trace_id": trace_id})

    return app
