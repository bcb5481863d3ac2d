"""Open311 GeoReport v2 under ``/open311/v2/``: thin views over ``queries`` and ``service``.

Every method answers in ``.json`` or ``.xml`` (by suffix) and every error, including an
unknown path, in the spec's ``errors`` format: 404 not found (resource or jurisdiction),
403 missing or bad ``api_key``, 400 anything else.
"""

from __future__ import annotations

import hashlib
import logging
import os

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from server import clock
from server.errors import DomainError
from server.open311 import keys, params, present, queries, render, service
from server.privacy import log_unexpected

log = logging.getLogger(__name__)

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"


@blp.record_once
def _defaults(state) -> None:
    """Settings of this face, from the environment (see docs/open311.md)."""
    config = state.app.config
    production = config.get("ENV_NAME") == "production"
    for name, default in (
        ("OPEN311_JURISDICTION_ID", "huying"),
        ("OPEN311_PUBLIC_URL", None),
        ("OPEN311_CONTACT", "请联系本平台运营方（街道/区组织部门）"),
        ("OPEN311_KEY_SERVICE", "API key 由平台运营方使用 `flask open311 keys create` 发放"),
        ("OPEN311_ENDPOINT_TYPE", "production" if production else "test"),
        ("OPEN311_CONTACT_RETENTION_DAYS", "180"),
    ):
        config.setdefault(name, os.environ.get(name) or default)
    config["OPEN311_CONTACT_RETENTION_DAYS"] = int(config["OPEN311_CONTACT_RETENTION_DAYS"])


def _base_url() -> str:
    return current_app.config["OPEN311_PUBLIC_URL"] or request.host_url


def _scope():
    return queries.jurisdiction(params.optional(request.values, "jurisdiction_id"))


def _requests(rows) -> list[dict]:
    sections, teams = queries.places(rows)
    return [present.service_request(r, section=sections[r.section_id], teams=teams,
                                    base_url=_base_url()) for r in rows]


@blp.get(f"/discovery.{FMT}")
def discovery(fmt):
    """Where the API lives, who runs it, and how to get a key."""
    config = current_app.config
    return render.respond(fmt, "discovery", present.discovery(
        url=_base_url().rstrip("/") + blp.url_prefix, contact=config["OPEN311_CONTACT"],
        key_service=config["OPEN311_KEY_SERVICE"], endpoint_type=config["OPEN311_ENDPOINT_TYPE"]))


@blp.get(f"/services.{FMT}")
def services(fmt):
    """The categories are the services."""
    _scope()
    return render.respond(fmt, "services", [present.service(c) for c in queries.services()])


@blp.get(f"/services/<code>.{FMT}")
def service_definition(code, fmt):
    """A service's attributes: the section (a list of the jurisdiction's sections) and consent."""
    community = _scope()
    definition = present.definition(queries.service(code), queries.active_sections(community))
    return render.respond(fmt, "service_definition", definition)


@blp.post(f"/requests.{FMT}")
def post_request(fmt):
    """Create a request (``api_key`` in the query string or the form body)."""
    key = keys.authenticate(request.form.get("api_key") or request.args.get("api_key"))
    posted = params.post_form(request.form)
    community = queries.jurisdiction(posted.fields["jurisdiction_id"])
    submission = service.post_request(key=key, fields=posted.fields, attributes=posted.attributes,
                                      community=community, now=clock.now(),
                                      idempotency_key=params.idempotency_key(request.headers),
                                      body_hash=_body_hash())
    answer = ({"token": submission.token} if key.returns_tokens
              else {"service_request_id": submission.request.no})
    answer |= {"service_notice": present.service_notice(submission.request.category),
               "account_id": None}
    return render.respond(fmt, "service_requests", [answer], 201)


def _body_hash() -> str:
    """What was posted, without the key: a retry sends the same fields in any order."""
    fields = sorted((k, v) for k, v in request.form.items(multi=True) if k != "api_key")
    return hashlib.sha256(repr(fields).encode()).hexdigest()


@blp.get(f"/requests.{FMT}")
def list_requests(fmt):
    """Requests by id list, or by service, window (90 days at most), status and place
    (``lat``, ``long``, ``radius`` in metres); 1000 at most."""
    args, now = request.args, clock.now()
    page, page_size = params.page(args)
    start, end = params.window(args, now)
    rows = queries.requests(
        community=_scope(), ids=params.comma_list(args, "service_request_id"),
        codes=params.comma_list(args, "service_code"), start=start, end=end,
        statuses=params.statuses(args), page=page, page_size=page_size, near=params.near(args))
    return render.respond(fmt, "service_requests", _requests(rows))


@blp.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id, fmt):
    """One request; in JSON an array of one element, as the spec says."""
    row = queries.request_by_no(service_request_id, _scope())
    return render.respond(fmt, "service_requests", _requests([row]))


@blp.get(f"/tokens/<token>.{FMT}")
def token(token, fmt):
    """The request id behind a token returned by POST requests."""
    submission = queries.by_token(token, _scope())
    answer = {"service_request_id": submission.request.no, "token": submission.token}
    return render.respond(fmt, "service_requests", [answer])


@blp.get(f"/servicerequestupdates.{FMT}")
def updates(fmt):
    """FixMyStreet's extension: the steps of the timelines in a window, oldest first."""
    args = request.args
    page, page_size = params.page(args)
    start, end = params.window(args, clock.now())
    rows = queries.updates(community=_scope(), start=start, end=end, page=page,
                           page_size=page_size)
    items = [present.request_update(e, r, _base_url()) for e, r in rows]
    return render.respond(fmt, "service_request_updates", items)


@blp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@blp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def elsewhere(rest):
    """Anything else under the prefix: errors in the spec's format rather than the API's."""
    adapter = current_app.url_map.bind("")
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            raise MethodNotAllowed()
    raise NotFound()


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    return fmt or ("json" if request.path.endswith(".json") else "xml")


def _descriptions(error: DomainError) -> list[str]:
    if isinstance(error.errors, dict):
        return [f"{error.msg}（{field}: {message}）" for field, messages in error.errors.items()
                for message in (messages if isinstance(messages, list) else [messages])]
    return [error.msg]


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    status = error.status if error.status in (403, 404) or error.status >= 500 else 400
    return render.errors(_fmt(), status, _descriptions(error))


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    if error.code == 404:
        return render.errors(_fmt(), 404, ["未找到：请检查路径和 .json/.xml 后缀"])
    if error.code == 405:
        return render.errors(_fmt(), 400, ["不支持的请求方法"])
    return render.errors(_fmt(), 400, [f"请求有误（{error.code} {error.name}）"])


@blp.errorhandler(Exception)
def _unexpected(error: Exception):
    log_unexpected(log, "open311: unhandled error", error)
    return render.errors(_fmt(), 500, ["服务器内部错误，请稍后再试"])
