"""Domain errors: one shape for every failure, with a stable code and a readable message.

The code is the HTTP status times 100 plus a number, so the mini-program can branch on it.
Messages are in Chinese because residents and staff read them.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = 40000
    msg = "请求有误"

    def __init__(self, msg: str | None = None, *, code: int | None = None, errors=None, headers=None):
        super().__init__(msg or self.msg)
        self.msg = msg or self.msg
        if code is not None:
            self.code = code
        self.errors = errors
        self.headers = headers or {}


class BadRequest(DomainError):
    status, code, msg = 400, 40000, "请求有误"


class Unauthorized(DomainError):
    status, code, msg = 401, 40100, "请先登录"


class Forbidden(DomainError):
    status, code, msg = 403, 40300, "无权执行此操作"


class NotFound(DomainError):
    status, code, msg = 404, 40400, "未找到"


class Conflict(DomainError):
    status, code, msg = 409, 40900, "状态冲突"


class PayloadTooLarge(DomainError):
    status, code, msg = 413, 41300, "文件太大"


class UnsupportedMedia(DomainError):
    status, code, msg = 415, 41500, "不支持的文件类型"


class Invalid(DomainError):
    status, code, msg = 422, 42200, "参数校验失败"


class TooManyRequests(DomainError):
    status, code, msg = 429, 42900, "操作太频繁，请稍后再试"


class BadGateway(DomainError):
    status, code, msg = 502, 50200, "上游服务不可用，请稍后再试"


class Unavailable(DomainError):
    status, code, msg = 503, 50300, "服务繁忙，请稍后再试"


# Stable codes beyond the defaults, gathered here so that they stay unique and documented.
CODES = {
    40101: "登录已失效，请重新登录 (token missing, malformed, expired, revoked or of the wrong type)",
    40102: "微信登录凭证无效或已使用 (WeChat code invalid or used)",
    40103: "账号已停用 (account disabled)",
    40901: "当前状态不允许此操作 (action not allowed in the current status)",
    40902: "已被他人接单 (someone else accepted first)",
    40903: "相同的幂等键正在处理中 (same Idempotency-Key in flight)",
    40904: "重复提交 (duplicate)",
    40905: "该诉求没有待人工审核的内容 (nothing held by content security)",
    40906: "正在办理的诉求已达上限 (too many open requests of this resident, MAX_OPEN_REQUESTS)",
    40931: "邀请码已使用或已撤销 (invitation already redeemed or revoked: cannot be revoked)",
    40932: "接入方正在办理的诉求已达上限 (too many open requests of this Open311 key, OPEN311_MAX_OPEN_REQUESTS)",
    40010: "无法识别的推送内容 (WeChat push body not JSON)",
    40310: "签名校验失败 (WeChat push signature invalid)",
    42201: "幂等键已用于不同的内容 (Idempotency-Key reused with another body)",
    42202: "图片尺寸超出限制 (image has too many pixels)",
    42203: "手机号授权已失效 (getPhoneNumber code invalid or used)",
    42210: "内容含有违规信息 (content security: risky text refused)",
    42211: "邀请码无效、已撤销或已过期 (invitation code unknown, revoked or expired)",
    42230: "边界文件有误，未写入任何数据 (boundary file invalid; nothing written)",
    42231: "该位置不在任何片区内 (point outside every section; errors.nearest names the nearest)",
    50201: "无法连接微信服务 (WeChat unreachable)",
    50203: "手机号信息校验失败 (phone watermark of another appid)",
    50301: "微信服务繁忙 (WeChat busy or rate limited)",
    50303: "微信接口今日调用次数已用完 (WeChat daily quota exhausted, 45009)",
    50304: "数据库暂时不可用 (database connection lost mid-request; retry with the same Idempotency-Key)",
    50305: "服务繁忙，请稍后重试 (every database connection of the worker is busy; Retry-After given)",
    50306: "服务未就绪 (readiness: database, migrations or Redis not ready; reasons by check)",
}
