"""A client for WeChat's server APIs, written on ``requests``.

Every failure becomes a domain error with a clear outcome for the user: an invalid code is
401, WeChat busy or rate limiting is 503 with retry advice, an unreachable WeChat is 502, the
daily quota (45009) is a logged 503. Secrets, access tokens and ``session_key`` are never
logged or returned.

APIs that need an access token get it from a store shared by all processes
(``server.wechat.tokens``); when WeChat says the token is invalid or expired (40001, 40014,
42001) the client refreshes it once and retries once, never more.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app

from server import telemetry
from server.errors import BadGateway, Code, DomainError, Unauthorized, Unavailable
from server.wechat.tokens import LockBusy, store_from_config

log = logging.getLogger(__name__)

BUSY = {-1, 45011}
TOKEN_REJECTED = {40001, 40014, 42001}
QUOTA_EXHAUSTED = 45009
TOKEN_MARGIN = timedelta(seconds=300)  # refresh a little before WeChat's expiry


class WeChatError(DomainError):
    """WeChat answered with an ``errcode`` we have no better mapping for."""

    status, code, msg = 502, Code.WECHAT_ERROR, "微信服务返回错误，请稍后再试"

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__()
        self.errcode = errcode
        self.errmsg = errmsg


class QuotaExhausted(DomainError):
    """45009: the appid's daily quota of calls is used up. Nothing works until tomorrow."""

    status, code, msg = 503, Code.WECHAT_QUOTA, "微信接口今日调用次数已用完，请稍后再试"


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None = None


@dataclass(frozen=True)
class PhoneInfo:
    phone: str  # without the country code
    country_code: str


@dataclass(frozen=True)
class TextVerdict:
    suggest: str  # pass | review | risky
    label: int
    trace_id: str | None


class WeChatClient:
    def __init__(self, *, base_url: str, appid: str, secret: str, timeout: float = 5.0,
                 store=None, http: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.store = store
        self.http = http or requests.Session()

    @classmethod
    def from_app(cls, app=None) -> WeChatClient:
        app = app or current_app
        client = app.extensions.get("wechat")
        if client is None:
            cfg = app.config
            client = cls(
                base_url=cfg["WECHAT_API_BASE"], appid=cfg["WECHAT_APPID"],
                secret=cfg["WECHAT_SECRET"], timeout=cfg["WECHAT_TIMEOUT"],
                store=store_from_config(cfg, app.instance_path),
            )
            app.extensions["wechat"] = client
        return client

    def _call(self, method: str, path: str, **kwargs) -> dict:
        url = f"{self.base_url}{path}"
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            log.warning("wechat %s unreachable: %s", path, type(exc).__name__)
            telemetry.wechat_error(path, "unreachable")
            raise BadGateway("无法连接微信服务，请稍后再试", code=Code.WECHAT_UNREACHABLE) from None
        if response.status_code >= 500:
            log.warning("wechat %s answered HTTP %s", path, response.status_code)
            telemetry.wechat_error(path, "http_5xx")
            raise BadGateway("微信服务暂时不可用，请稍后再试", code=Code.WECHAT_UNREACHABLE)
        try:
            body = response.json()
        except ValueError:
            log.warning("wechat %s answered a body that is not JSON", path)
            telemetry.wechat_error(path, "bad_body")
            raise BadGateway("微信服务返回了无法识别的内容", code=Code.WECHAT_UNREACHABLE) from None
        errcode = int(body.get("errcode") or 0)  # success usually carries no errcode at all
        if errcode:
            telemetry.wechat_error(path, errcode)
        if errcode == QUOTA_EXHAUSTED:
            log.error("wechat %s: daily quota exhausted (errcode 45009)", path)
            raise QuotaExhausted()
        if errcode in BUSY:
            log.warning("wechat %s busy: errcode %s", path, errcode)
            raise Unavailable(
                "微信服务繁忙，请稍后重试", code=Code.WECHAT_BUSY, headers={"Retry-After": "5"}
            )
        if errcode:
            raise WeChatError(errcode, str(body.get("errmsg", "")))
        return body

    def code_to_session(self, code: str) -> Session:
        """``jscode2session``: a ``wx.login`` code to an openid. No access token needed."""
        try:
            body = self._call(
                "GET", "/sns/jscode2session",
                params={"appid": self.appid, "secret": self.secret, "js_code": code,
                        "grant_type": "authorization_code"},
            )
        except WeChatError as exc:
            if exc.errcode == 40029:
                raise Unauthorized("微信登录凭证无效或已使用，请重新登录", code=Code.WECHAT_CODE_INVALID) from None
            if exc.errcode == 40226:
                raise Unauthorized("该微信账号存在风险，暂时无法登录", code=Code.WECHAT_ACCOUNT_RISKY) from None
            log.error("wechat jscode2session failed: errcode %s", exc.errcode)
            raise
        if not body.get("openid"):
            raise BadGateway("微信登录返回缺少 openid", code=Code.WECHAT_ERROR)
        return Session(openid=body["openid"], unionid=body.get("unionid"))

    # --- access token -----------------------------------------------------------------------

    def access_token(self, *, now: datetime, rejected: str | None = None) -> str:
        """The shared token; ``rejected`` is one WeChat just refused, never to be served again.

        The store is read first; on a miss, one process refreshes under the lock while the
        others wait and then read what it stored.
        """
        cached = self.store.get(self.appid)
        if cached and cached.token != rejected and cached.expires_at > now:
            return cached.token
        try:
            with self.store.lock(self.appid):
                cached = self.store.get(self.appid)
                if cached and cached.token != rejected and cached.expires_at > now:
                    return cached.token  # another process refreshed it meanwhile
                body = self._stable_token(force=False)
                if rejected is not None and body["access_token"] == rejected:
                    # WeChat still hands out the token it refuses: ask for a new one.
                    body = self._stable_token(force=True)
                token = body["access_token"]
                expires_in = timedelta(seconds=int(body.get("expires_in") or 7200))
                self.store.put(self.appid, token, now + expires_in - TOKEN_MARGIN, now)
                return token
        except LockBusy:
            log.warning("wechat access token: refresh lock busy")
            raise Unavailable("微信服务繁忙，请稍后重试", code=Code.WECHAT_BUSY,
                              headers={"Retry-After": "5"}) from None

    def _stable_token(self, *, force: bool) -> dict:
        try:
            body = self._call("POST", "/cgi-bin/stable_token", **self._json({
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": force,
            }))
        except WeChatError as exc:
            log.error("wechat stable_token failed: errcode %s", exc.errcode)
            raise
        if not body.get("access_token"):
            raise BadGateway("微信返回的凭证无效", code=Code.WECHAT_ERROR)
        return body

    @staticmethod
    def _json(payload: dict) -> dict:
        """UTF-8 JSON as WeChat expects it (no \\u escapes: content checks read the text)."""
        return {"data": json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                "headers": {"Content-Type": "application/json; charset=utf-8"}}

    def _call_with_token(self, path: str, payload: dict, *, now: datetime) -> dict:
        """POST with the access token; one refresh and one retry if WeChat refuses the token."""
        token = self.access_token(now=now)
        try:
            return self._call("POST", path, params={"access_token": token}, **self._json(payload))
        except WeChatError as exc:
            if exc.errcode not in TOKEN_REJECTED:
                raise
            log.warning("wechat %s refused the access token (errcode %s); refreshing once",
                        path, exc.errcode)
            self.store.discard(self.appid, token)
        token = self.access_token(now=now, rejected=token)
        return self._call("POST", path, params={"access_token": token}, **self._json(payload))

    # --- the APIs ---------------------------------------------------------------------------

    def phone_number(self, code: str, *, now: datetime) -> PhoneInfo:
        """``getuserphonenumber``: a getPhoneNumber code to the user's number, for our appid."""
        body = self._call_with_token("/wxa/business/getuserphonenumber", {"code": code}, now=now)
        info = body.get("phone_info") or {}
        watermark = info.get("watermark") or {}
        if watermark.get("appid") != self.appid or not info.get("purePhoneNumber"):
            log.error("wechat getuserphonenumber: watermark of another appid or no number")
            raise BadGateway("手机号信息校验失败，请重试", code=Code.WECHAT_PHONE_WATERMARK)
        return PhoneInfo(phone=str(info["purePhoneNumber"]),
                         country_code=str(info.get("countryCode") or "86"))

    def send_subscribe(self, *, touser: str, template_id: str, data: dict, now: datetime,
                       page: str | None = None, state: str | None = None,
                       lang: str = "zh_CN") -> str | None:
        """``subscribe/send``: one subscribe message; returns WeChat's msgid."""
        payload = {"touser": touser, "template_id": template_id, "lang": lang,
                   "data": {key: {"value": value} for key, value in data.items()}}
        if page:
            payload["page"] = page
        if state:
            payload["miniprogram_state"] = state
        body = self._call_with_token("/cgi-bin/message/subscribe/send", payload, now=now)
        return str(body["msgid"]) if body.get("msgid") is not None else None

    def check_text(self, *, openid: str, content: str, now: datetime,
                   scene: int = 2) -> TextVerdict:
        """``msg_sec_check`` version 2."""
        body = self._call_with_token("/wxa/msg_sec_check", {
            "version": 2, "openid": openid, "scene": scene, "content": content[:2500],
        }, now=now)
        result = body.get("result") or {}
        suggest = result.get("suggest")
        if suggest not in ("pass", "review", "risky"):
            raise BadGateway("内容安全检查返回了无法识别的结果", code=Code.WECHAT_ERROR)
        return TextVerdict(suggest, int(result.get("label") or 0), body.get("trace_id"))

    def check_media_async(self, *, openid: str, media_url: str, now: datetime,
                          scene: int = 2) -> str:
        """``media_check_async`` version 2 for an image; the verdict comes to the push callback."""
        body = self._call_with_token("/wxa/media_check_async", {
            "version": 2, "openid": openid, "scene": scene, "media_url": media_url,
            "media_type": 2,
        }, now=now)
        if not body.get("trace_id"):
            raise BadGateway("内容安全检查未返回 trace_id", code=Code.WECHAT_ERROR)
        return str(body["trace_id"])
