"""The JSON envelope, the error shape and the OpenAPI plumbing shared by every JSON face.

Success: ``{"code": 0, "msg": "ok", "data": …}``. Error: the real HTTP status with
``{"code": <stable non-zero>, "msg": "<readable>", "data": null, "errors": {field: [...]}}``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import re

import marshmallow as ma
import orjson
from flask import Response, jsonify
from flask.json.provider import DefaultJSONProvider, _default
from flask.sessions import SessionInterface
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from server import validation
from server.errors import Code, DomainError, Invalid, NotFound
from server.logs import request_id
from server.privacy import log_unexpected
from server.sheets import CONTENT_TYPES

log = logging.getLogger(__name__)


class ErrorEnvelope(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "stable error code"})
    msg = ma.fields.String(required=True, metadata={"description": "readable message (zh-CN)"})
    data = ma.fields.Raw(allow_none=True)
    errors = ma.fields.Dict(metadata={"description": "field errors, by field"})
    request_id = ma.fields.String(metadata={"description": "the request's X-Request-ID, to quote "
                                                           "when reporting a problem"})


_ENVELOPES: dict = {}


def envelope_of(schema: ma.Schema) -> ma.Schema:
    """An envelope schema around ``schema``, for the OpenAPI document (cached by class)."""
    key = (type(schema), getattr(schema, "many", False))
    if key not in _ENVELOPES:
        name = type(schema).__name__.removesuffix("Schema") + ("List" if key[1] else "")
        cls = type(
            f"{name}Envelope",
            (ma.Schema,),
            {
                "code": ma.fields.Integer(required=True, metadata={"example": 0}),
                "msg": ma.fields.String(required=True, metadata={"example": "ok"}),
                "data": ma.fields.Nested(schema, required=True, allow_none=True),
            },
        )
        _ENVELOPES[key] = cls()
    return _ENVELOPES[key]


# --- JSON bodies ------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32  # no body of the API nests deeper than a few levels
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json_body(data: bytes | str):
    """A request body as JSON that the rest of the code can store, log and export.

    Refused (``json.JSONDecodeError``, a 400): invalid JSON or UTF-8, a number of more digits
    than Python converts, nesting deeper than ``MAX_JSON_DEPTH`` (50,000 ``[`` would exhaust the
    stack), a lone surrogate (``"\\ud800"`` cannot be encoded, stored or sent on). Control
    characters but tab, newline and carriage return are dropped from every string: they have
    no meaning in a name or a description and would break an XLSX export.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        if not text.strip():
            raise json.JSONDecodeError("empty body", "", 0)  # webargs: no body at all
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise json.JSONDecodeError(exc.msg, exc.doc and "body", 0) from None
    except RecursionError:
        raise json.JSONDecodeError("JSON nested too deeply", "body", 0) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise json.JSONDecodeError(type(exc).__name__, "body", 0) from None
    return _clean(value)


def _clean(value):
    """Walk the parsed body without recursion: depth, surrogates and control characters."""
    root = [value]
    stack = [(root, 0, 0)]
    while stack:
        container, key, depth = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = _clean_text(item)
        elif isinstance(item, list | dict):
            if depth >= MAX_JSON_DEPTH:
                raise json.JSONDecodeError("JSON nested too deeply", "body", 0)
            if isinstance(item, dict):
                for name in list(item):
                    clean = _clean_text(name)
                    if clean != name:
                        item[clean] = item.pop(name)
                stack += [(item, name, depth + 1) for name in item]
            else:
                stack += [(item, index, depth + 1) for index in range(len(item))]
    return root[0]


def _clean_text(text: str) -> str:
    if _SURROGATE.search(text):
        raise json.JSONDecodeError("lone surrogate in a string", "body", 0)
    return _CONTROL.sub("", text)


class JSONProvider(DefaultJSONProvider):
    """``request.get_json()`` parses bodies as the API's arguments do (``parse_json_body``)."""

    def loads(self, s, **kwargs):
        return parse_json_body(s)


class StrictParser(FlaskParser):
    """Query strings, like bodies, follow the schema's ``unknown`` (RAISE for input schemas);
    JSON bodies go through ``parse_json_body``."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None,
                                   "querystring": None}

    def _raw_load_json(self, req):
        from webargs import core

        if not core.is_json(req.mimetype):
            return core.missing
        return parse_json_body(req.get_data(cache=True))


class Blueprint(_Blueprint):
    """A flask-smorest blueprint whose responses are wrapped in the envelope."""

    ARGUMENTS_PARSER = StrictParser()

    @staticmethod
    def _prepare_response_content(data):
        return {"code": 0, "msg": "ok", "data": data}

    @staticmethod
    def _make_doc_response_schema(schema):
        return envelope_of(schema) if schema is not None else None

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's ``arguments``, its schema instantiated once: given a class, webargs
        built a new instance for every request (a copy of each declared field; about a sixth
        of a cached public JSON page's CPU). Loading keeps no state on the instance."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)

    def errors(self, *statuses: int):
        """Document the error statuses an endpoint can answer with."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=_RESPONSE_NAMES[status])(func)
            return func

        return decorator

    def download(self, *content_types: str, description: str, json_schema=None):
        """Document a 200 that is a file in one of ``content_types`` (the view returns the
        ``Response`` itself), or, with ``json_schema``, the enveloped JSON answer beside them."""
        content = {content_type: {"schema": {"type": "string", "format": "binary"}}
                   for content_type in content_types}
        if json_schema is not None:
            content["application/json"] = {"schema": envelope_of(json_schema)}
        return self.doc(responses={"200": {"description": description, "content": content}})


def sheet_response(body: bytes, fmt: str, filename: str) -> Response:
    """A spreadsheet download (``fmt``: csv or xlsx) named ``filename`` (ASCII)."""
    return Response(body, content_type=CONTENT_TYPES[fmt],  # mimetype= would add a second charset
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


_RESPONSE_NAMES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    409: "CONFLICT", 413: "REQUEST_ENTITY_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS", 502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}

_HTTP_CODES = {
    400: (Code.BAD_REQUEST, "请求有误"),
    401: (Code.UNAUTHENTICATED, "请先登录"),
    403: (Code.FORBIDDEN, "无权执行此操作"),
    404: (Code.NOT_FOUND, "未找到"),
    405: (Code.METHOD_NOT_ALLOWED, "不支持的请求方法"),
    409: (Code.CONFLICT, "状态冲突"),
    413: (Code.TOO_LARGE, "上传内容太大"),
    415: (Code.UNSUPPORTED_MEDIA, "不支持的内容类型"),
    422: (Code.INVALID, "参数校验失败"),
    429: (Code.TOO_MANY_REQUESTS, "操作太频繁，请稍后再试"),
}


def error_response(status: int, code: int, msg: str, *, errors=None, headers=None):
    body = {"code": code, "msg": msg, "data": None}
    if errors:
        body["errors"] = errors
    rid = request_id()
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_LOCATIONS = {"json", "query", "form", "files", "headers"}


class Api(_Api):
    ERROR_SCHEMA = ErrorEnvelope

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        code, msg = _HTTP_CODES.get(error.code, (error.code * 100, error.name))
        errors = data.get("errors") or data.get("messages")
        if isinstance(errors, dict) and len(errors) == 1 and set(errors) <= _LOCATIONS:
            errors = next(iter(errors.values()))  # webargs nests errors under the location
        if error.code == 422 and errors:
            msg = validation.chinese(errors)  # the English details stay under ``errors``
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))  # RFC 9110: a 405 names them
        return error_response(error.code, code, msg, errors=errors, headers=headers)


def register_error_handlers(app) -> None:
    from server.extensions import db

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()  # whatever the use case flushed before refusing is undone
        return error_response(error.status, error.code, error.msg, errors=error.errors,
                              headers=error.headers)

    @app.errorhandler(ma.ValidationError)
    def _validation(error: ma.ValidationError):
        return error_response(422, Code.INVALID, validation.chinese(error.messages), errors=error.messages)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        try:
            db.session.rollback()
        except Exception:  # a dead connection cannot roll back: the pool discards it
            db.session.remove()
        if isinstance(error, HTTPException):
            return app.extensions["api"].handle_http_exception(error)
        if isinstance(error, IntegrityError):
            # Two writers raced for the same unique row (the same category code, the same person
            # twice): the database kept one; the loser's transaction is undone, a clear 409.
            log.warning("write refused by a database constraint: %s", type(error.orig).__name__)
            return error_response(409, Code.WRITE_RACE, "数据已被同时提交，请刷新后重试")
        if isinstance(error, PoolTimeout):
            # Every pooled connection is busy: an overload, not a fault; the client retries.
            log.error("database pool exhausted")
            return error_response(503, Code.POOL_EXHAUSTED, "服务繁忙，请稍后重试", headers={"Retry-After": "2"})
        if isinstance(error, OperationalError | InterfaceError) or getattr(
                error, "connection_invalidated", False):
            # The database went away (restart, failover): nothing was acknowledged, retry.
            log.error("database unavailable: %s", type(error).__name__)
            return error_response(503, Code.DATABASE_UNAVAILABLE, "数据库暂时不可用，请稍后重试",
                                  headers={"Retry-After": "2"})
        log_unexpected(log, "unhandled error", error)
        return error_response(500, Code.INTERNAL, "服务器内部错误，请稍后再试")


class StrictSchema(ma.Schema):
    """Input schemas reject fields they do not know (mass assignment is a 422)."""

    class Meta:
        unknown = ma.RAISE


class FastJSON(JSONProvider):
    """Flask's JSON provider on orjson: the same output (UTF-8, keys sorted, dates as HTTP
    dates through Flask's own ``default``), several times faster to encode.

    Calls with extra ``json.dumps`` arguments, and values orjson refuses (an integer beyond 64
    bits echoed back in a validation error), fall back to the standard library.
    """

    ensure_ascii = False

    def _options(self) -> int:
        options = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
        return options | orjson.OPT_SORT_KEYS if self.sort_keys else options

    def dumps(self, obj, **kwargs) -> str:
        if kwargs or self.ensure_ascii:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=_default, option=self._options()).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().dumps(obj)

    def response(self, *args, **kwargs):
        if self.ensure_ascii or (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=_default, option=self._options())
        except TypeError:
            return super().response(obj)
        return self._app.response_class(body, mimetype=self.mimetype)


def dumps(obj) -> bytes:
    """UTF-8 JSON bytes, as ``FastJSON`` writes them (for views that build their Response)."""
    return orjson.dumps(obj, default=_default,
                        option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                        | orjson.OPT_SORT_KEYS)


def ok_response(data, status: int = 200) -> Response:
    """The success envelope around ``data`` already in JSON's types, encoded once: for the hot
    views that build their answer without marshmallow (the documented schema stays on the
    route; tests check the answer against it)."""
    return Response(dumps({"code": 0, "msg": "ok", "data": data}), status=status,
                    mimetype="application/json")


class NoSessions(SessionInterface):
    """No cookie sessions: every face authenticates by bearer token or not at all.

    Flask's default interface builds a signing serializer for each request once ``SECRET_KEY``
    is set, about a tenth of a no-op request's cost, for a session nobody reads.
    ``flask.session`` is a null session that refuses writes.
    """

    def open_session(self, app, request):
        return None  # Flask falls back to ``make_null_session``

    def save_session(self, app, session, response) -> None:
        return None


# --- identifiers and pagination -------------------------------------------------------------

MAX_ID = 2**31 - 1


def bounded_id(value) -> int:
    """Ids beyond the column's range cannot exist: 404 rather than a database error."""
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound()
    return value


class PageArgs(StrictSchema):
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def encode_cursor(value: int | None) -> str | None:
    return None if value is None else base64.urlsafe_b64encode(str(value).encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    """Cursors are opaque to clients; a malformed one is a 422, not a 500."""
    if cursor is None:
        return None
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("分页游标无效", errors={"cursor": ["invalid cursor"]}) from None
    if not 0 < value <= MAX_ID:
        raise Invalid("分页游标无效", errors={"cursor": ["invalid cursor"]})
    return value


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    name = item_schema.__name__.removesuffix("Schema") + "Page"
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        },
    )


def keyset_page(query, id_column, args: dict, *, descending: bool = True):
    """Run a keyset-paginated query; returns ``{"items", "next_cursor"}``."""
    from server.extensions import db

    after = decode_cursor(args.get("cursor"))
    limit = args["limit"]
    if after is not None:
        query = query.where(id_column < after if descending else id_column > after)
    query = query.order_by(id_column.desc() if descending else id_column.asc()).limit(limit + 1)
    return keyset_slice(list(db.session.scalars(query)), limit)


def keyset_slice(rows: list, limit: int) -> dict:
    """``{"items", "next_cursor"}`` of up to ``limit + 1`` rows fetched in keyset order."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more and rows else None}


# --- authentication ---------------------------------------------------------------------------


def login_required(blp: Blueprint, *, refresh: bool = False):
    """``jwt_required`` plus its OpenAPI security requirement and 401 documentation."""

    def decorator(func):
        @functools.wraps(func)
        @jwt_required(refresh=refresh)
        def wrapper(*args, **kwargs):
            if current_user is None:  # deleted or disabled since the token was issued
                return error_response(401, Code.TOKEN_INVALID, "登录已失效，请重新登录")
            return func(*args, **kwargs)

        wrapper = blp.doc(security=[{"bearerAuth": []}])(wrapper)
        return blp.alt_response(401, response="UNAUTHORIZED")(wrapper)

    return decorator


def token_claims() -> dict:
    return get_jwt()
