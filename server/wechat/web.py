"""WeChat's message push (消息推送) callback: the verdicts of media checks arrive here.

The callback only speaks WeChat's protocol: it checks the signature and hands each event to
the domains that listen for ``wechat.push.<Event>`` (``server.discovery.emit``); requests
record the verdicts of their photos (``wxa_media_check``).

Configure it in the mini-program console with the URL ``<PUBLIC_BASE_URL>/wechat/push``, the
token ``WECHAT_PUSH_TOKEN``, plaintext mode and the JSON data format. Every call is verified:
``signature == sha1(sorted([token, timestamp, nonce]) joined)``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Blueprint, current_app, request

from server import clock
from server.discovery import emit
from server.errors import Code
from server.http import error_response

log = logging.getLogger(__name__)

blp = Blueprint("wechat_push", __name__, url_prefix="/wechat")


def push_event(name: str) -> str:
    """The name under which domains listen for one kind of pushed event."""
    return f"wechat.push.{name}"


def signature_ok(args) -> bool:
    token = current_app.config.get("WECHAT_PUSH_TOKEN") or ""
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not token or not timestamp or not nonce:
        return False
    expected = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return hmac.compare_digest(expected, args.get("signature", ""))


@blp.get("/push")
def verify():
    """The console's URL check: echo ``echostr`` when the signature is right."""
    if not signature_ok(request.args):
        return error_response(403, Code.PUSH_SIGNATURE_INVALID, "签名校验失败")
    return request.args.get("echostr", ""), 200, {"Content-Type": "text/plain"}


@blp.post("/push")
def push():
    """A pushed event, handed to its listeners; an event nobody listens for is acknowledged."""
    if not signature_ok(request.args):
        log.warning("wechat push with a bad signature refused")
        return error_response(403, Code.PUSH_SIGNATURE_INVALID, "签名校验失败")
    event = request.get_json(silent=True)
    if not isinstance(event, dict):
        return error_response(400, Code.PUSH_BODY_UNREADABLE, "无法识别的推送内容")
    if event.get("appid") not in (None, current_app.config["WECHAT_APPID"]):
        log.warning("wechat push for another appid ignored")
    elif isinstance(event.get("Event"), str):
        emit(push_event(event["Event"]), event=event, now=clock.now())
    return "success", 200, {"Content-Type": "text/plain"}
