"""Domain errors: one shape for every failure, with a stable code and a readable message.

The code is the HTTP status times 100 plus a number, so the mini-program can branch on it.
Every code the API answers with is a member of ``Code`` below, with its one meaning; raises
name the member (``raise Conflict("…", code=Code.ALREADY_RATED)``), never a bare number.
Messages are in Chinese because residents and staff read them.

To add a code: add a member to ``Code`` with the next free number of its status (a new
number, never one that exists, even for something similar), raise it by name, and add its row
to the error-code table of README.md. ``tests/test_error_codes.py`` checks all three.
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    """Every error code, one meaning each (the meaning is for developers and the README)."""

    meaning: str

    def __new__(cls, value: int, meaning: str):
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    # The default of each status.
    BAD_REQUEST = 40000, "the request is malformed"
    UNAUTHENTICATED = 40100, "not logged in (no token)"
    FORBIDDEN = 40300, "the caller may not do this"
    NOT_FOUND = 40400, "no such thing, or the caller may not see it"
    METHOD_NOT_ALLOWED = 40500, "the HTTP method is not allowed on this URL"
    CONFLICT = 40900, "conflicts with the current state"
    TOO_LARGE = 41300, "the body or file is too large"
    UNSUPPORTED_MEDIA = 41500, "unsupported content or file type"
    INVALID = 42200, "validation failed (`errors` lists the fields)"
    TOO_MANY_REQUESTS = 42900, "rate limited (`Retry-After` given)"
    INTERNAL = 50000, "unexpected server error"
    BAD_GATEWAY = 50200, "an upstream service failed"
    UNAVAILABLE = 50300, "temporarily unavailable"

    # 400
    PUSH_BODY_UNREADABLE = 40010, "WeChat push body is not JSON"
    # 401
    TOKEN_INVALID = 40101, "token missing, malformed, badly signed, expired, revoked or of the wrong type"
    WECHAT_CODE_INVALID = 40102, "WeChat login code invalid or used"
    ACCOUNT_DISABLED = 40103, "account disabled"
    WECHAT_ACCOUNT_RISKY = 40104, "WeChat flags the account as high-risk"
    # 403
    PUSH_SIGNATURE_INVALID = 40310, "WeChat push signature invalid"
    # 409
    STATUS_FORBIDS = 40901, "the action is not allowed in the current status (of the request, whistle or leave)"
    ACCEPTED_BY_OTHER = 40902, "someone else accepted first"
    IDEMPOTENCY_IN_FLIGHT = 40903, "the same Idempotency-Key is still in flight"
    ALREADY_RATED = 40904, "already rated"
    NOTHING_HELD = 40905, "nothing of the request is held by content security"
    TOO_MANY_OPEN_REQUESTS = 40906, "the resident has MAX_OPEN_REQUESTS open requests"
    OWN_REQUEST = 40907, "residents cannot support ('me too') their own request"
    ALREADY_SUPPORTED = 40908, "already supported ('me too') this request"
    DUPLICATE = 40910, "duplicate: the code or name is taken"
    PARENT_RETIRED = 40911, "the parent (community, grid, team) is retired"
    LAST_ADMIN = 40912, "the last platform administrator cannot be revoked"
    INVITATION_USED = 40913, "invitation already used"
    PERSON_ALREADY_LINKED = 40914, "the person is already linked to an account"
    ACCOUNT_ALREADY_LINKED = 40915, "the account is already linked to another person of the community"
    PHONE_UNDER_OTHER_NAME = 40916, "the phone is registered in the community under another name"
    PERSON_OF_OTHER_COMMUNITY = 40917, "the person belongs to another community"
    INVITATION_NOT_REVOCABLE = 40931, "invitation already used or revoked (cannot be revoked)"
    OPEN311_TOO_MANY_OPEN = 40932, "the Open311 key has OPEN311_MAX_OPEN_REQUESTS open requests"
    INSERVICE_REGISTERED = 40950, "a pending or approved in-service registration exists in this community"
    INSERVICE_NOT_PENDING = 40951, "the registration is not pending"
    INSERVICE_NO_B_TEAM = 40952, "the section has no B-post team"
    ACTIVITY_FULL = 40953, "the activity is full"
    ACTIVITY_STARTED = 40954, "the activity has started (no sign-up or withdrawal)"
    ACTIVITY_SIGNED_UP = 40955, "already signed up for the activity"
    ACTIVITY_NOT_STARTED = 40956, "attendance before the activity starts"
    ACTIVITY_NOT_SIGNED_UP = 40957, "not signed up for the activity"
    INSERVICE_NOT_APPROVED = 40958, "evaluation of a registration never approved"
    INSERVICE_ENDED = 40959, "the registration already ended or was rejected"
    ACTIVITY_CANCELLED = 40960, "the activity was cancelled"
    ACTIVITY_CONFIRMED = 40961, "attendance already confirmed: the activity cannot be cancelled"
    DEPARTMENT_GRADED = 40970, "the street already graded the department for that quarter"
    DEPARTMENT_NOT_WORKED_WITH = 40971, "the street blew no whistle to the department that quarter"
    CARD_ALREADY_APPEALED = 40980, "the card was already appealed"
    CARD_NOT_APPEALED = 40981, "the card has no appeal awaiting a decision"
    CARD_EXPIRED = 40982, "the card has expired"
    CARD_RULE_RETIRED = 40983, "the warning rule is retired"
    DIRECTIVE_DESIGNATED = 40990, "the community already named who answers for the task"
    WRITE_RACE = 40991, "a concurrent write took the same unique row first (retry after refreshing)"
    # 422
    IDEMPOTENCY_KEY_REUSED = 42201, "Idempotency-Key reused with another body"
    IMAGE_TOO_MANY_PIXELS = 42202, "image has too many pixels"
    PHONE_CODE_INVALID = 42203, "WeChat phone code invalid or used"
    PHONE_INVALID = 42204, "not a mainland mobile number"
    CONTENT_RISKY = 42210, "content security refused the text (`Retry-After` given)"
    INVITATION_INVALID = 42211, "invitation code unknown, revoked or expired"
    BOUNDARY_FILE_INVALID = 42230, "the boundary file has errors; nothing written"
    OUTSIDE_SECTIONS = 42231, "the point is outside every section (`errors.nearest` names the nearest)"
    IMPORT_INVALID = 42220, "the import file has errors (`errors.rows`); nothing written"
    INSERVICE_PHONE_REQUIRED = 42250, "a phone is required (none bound, none typed)"
    ATTENDANCE_NOT_SIGNED_UP = 42251, "attendance lists people not signed up"
    CAPACITY_BELOW_TAKEN = 42252, "capacity below the seats taken"
    END_REASON_REQUIRED = 42253, "the committee ends a registration with a reason"
    # 502
    WECHAT_UNREACHABLE = 50201, "WeChat unreachable"
    WECHAT_ERROR = 50202, "WeChat answered with an unexpected error"
    WECHAT_PHONE_WATERMARK = 50203, "phone data carries another appid's watermark"
    # 503
    WECHAT_BUSY = 50301, "WeChat busy or rate-limited (`Retry-After` given)"
    STORAGE_UNAVAILABLE = 50302, "image storage unavailable"
    WECHAT_QUOTA = 50303, "WeChat daily quota exhausted (45009)"
    DATABASE_UNAVAILABLE = 50304, "database connection lost mid-request (retry with the same Idempotency-Key)"
    POOL_EXHAUSTED = 50305, "every database connection of the worker is busy (`Retry-After` given)"
    NOT_READY = 50306, "not ready (`/readyz`: database, migrations or Redis; reasons by check)"


class DomainError(Exception):
    status = 400
    code = Code.BAD_REQUEST
    msg = "请求有误"

    def __init__(self, msg: str | None = None, *, code: Code | None = None, errors=None, headers=None):
        super().__init__(msg or self.msg)
        self.msg = msg or self.msg
        if code is not None:
            self.code = code
        self.errors = errors
        self.headers = headers or {}


class BadRequest(DomainError):
    status, code, msg = 400, Code.BAD_REQUEST, "请求有误"


class Unauthorized(DomainError):
    status, code, msg = 401, Code.UNAUTHENTICATED, "请先登录"


class Forbidden(DomainError):
    status, code, msg = 403, Code.FORBIDDEN, "无权执行此操作"


class NotFound(DomainError):
    status, code, msg = 404, Code.NOT_FOUND, "未找到"


class Conflict(DomainError):
    status, code, msg = 409, Code.CONFLICT, "状态冲突"


class PayloadTooLarge(DomainError):
    status, code, msg = 413, Code.TOO_LARGE, "文件太大"


class UnsupportedMedia(DomainError):
    status, code, msg = 415, Code.UNSUPPORTED_MEDIA, "不支持的文件类型"


class Invalid(DomainError):
    status, code, msg = 422, Code.INVALID, "参数校验失败"


class TooManyRequests(DomainError):
    status, code, msg = 429, Code.TOO_MANY_REQUESTS, "操作太频繁，请稍后再试"


class BadGateway(DomainError):
    status, code, msg = 502, Code.BAD_GATEWAY, "上游服务不可用，请稍后再试"


class Unavailable(DomainError):
    status, code, msg = 503, Code.UNAVAILABLE, "服务繁忙，请稍后再试"
