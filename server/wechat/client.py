"""A client for WeChat's server APIs, written on ``requests``.

Every failure becomes a domain error with a clear outcome for the user: an invalid code is
401, WeChat busy or rate limiting is 503 with retry advice, an unreachable WeChat is 502.
Secrets and ``session_key`` are never logged or returned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from flask import current_app

from server.errors import BadGateway, DomainError, Unauthorized, Unavailable

log = logging.getLogger(__name__)

BUSY = {-1, 45011}


class WeChatError(DomainError):
    """WeChat answered with an ``errcode`` we have no better mapping for."""

    status, code, msg = 502, 50202, "微信服务返回错误，请稍后再试"

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__()
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None = None


class WeChatClient:
    def __init__(self, *, base_url: str, appid: str, secret: str, timeout: float = 5.0,
                 http: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
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
            )
            app.extensions["wechat"] = client
        return client

    def _call(self, method: str, path: str, **kwargs) -> dict:
        url = f"{self.base_url}{path}"
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            log.warning("wechat %s unreachable: %s", path, type(exc).__name__)
            raise BadGateway("无法连接微信服务，请稍后再试", code=50201) from None
        if response.status_code >= 500:
            log.warning("wechat %s answered HTTP %s", path, response.status_code)
            raise BadGateway("微信服务暂时不可用，请稍后再试", code=50201)
        try:
            body = response.json()
        except ValueError:
            log.warning("wechat %s answered a body that is not JSON", path)
            raise BadGateway("微信服务返回了无法识别的内容", code=50201) from None
        errcode = int(body.get("errcode") or 0)  # success usually carries no errcode at all
        if errcode in BUSY:
            log.warning("wechat %s busy: errcode %s", path, errcode)
            raise Unavailable(
                "微信服务繁忙，请稍后重试", code=50301, headers={"Retry-After": "5"}
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
                raise Unauthorized("微信登录凭证无效或已使用，请重新登录", code=40102) from None
            if exc.errcode == 40226:
                raise Unauthorized("该微信账号存在风险，暂时无法登录", code=40104) from None
            log.error("wechat jscode2session failed: errcode %s", exc.errcode)
            raise
        if not body.get("openid"):
            raise BadGateway("微信登录返回缺少 openid", code=50202)
        return Session(openid=body["openid"], unionid=body.get("unionid"))
