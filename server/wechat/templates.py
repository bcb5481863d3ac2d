"""Subscribe-message templates: which template each kind of notification goes out through, and
which value fills each of the template's keys.

A template is chosen in the mini-program's WeChat console; its keys (``thing1``, ``time4``…)
come from there, so both the id and the field mapping are configuration (``WECHAT_TEMPLATES``,
JSON, merged over these defaults). A field's source is one of ``SOURCES`` or ``data.<key>``
(a key of the notification's ``data``). The development ids start with ``dev-``; production
refuses to start with them.
"""

from __future__ import annotations

# Kinds of notification that may go out as a subscribe message.
REQUEST_ACCEPTED = "request_accepted"
REQUEST_RESOLVED = "request_resolved"
REQUEST_CLOSED = "request_closed"
NEW_TASK = "new_task"
REGISTRATION_REVIEWED = "registration_reviewed"
RED_LIGHT = "red_light"
ACTIVITY_CHANGED = "activity_changed"
ACTIVITY_CANCELLED = "activity_cancelled"

SOURCES = {
    "title": "the notification's title",
    "body": "the notification's body",
    "time": "when the notification was written (local time)",
    "request_no": "the request's public number",
    "category": "the request's category name",
    "status": "the request's status label (已接单, 待审核…)",
    "description": "the request's description",
    "deadline": "the request's resolve deadline (local time)",
}

_REQUEST_PAGE = "pages/request/detail?id={request_id}"

DEFAULT_TEMPLATES: dict[str, dict] = {
    REQUEST_ACCEPTED: {
        "id": "dev-tmpl-request-accepted", "page": _REQUEST_PAGE,
        "fields": {"character_string1": "request_no", "thing2": "category",
                   "phrase3": "status", "time4": "time", "thing5": "body"},
    },
    REQUEST_RESOLVED: {
        "id": "dev-tmpl-request-resolved", "page": _REQUEST_PAGE,
        "fields": {"character_string1": "request_no", "thing2": "category",
                   "phrase3": "status", "time4": "time", "thing5": "body"},
    },
    REQUEST_CLOSED: {
        "id": "dev-tmpl-request-closed", "page": _REQUEST_PAGE,
        "fields": {"character_string1": "request_no", "thing2": "category",
                   "phrase3": "status", "time4": "time", "thing5": "body"},
    },
    NEW_TASK: {
        "id": "dev-tmpl-new-task", "page": _REQUEST_PAGE,
        "fields": {"character_string1": "request_no", "thing2": "category",
                   "thing3": "description", "time4": "deadline"},
    },
    REGISTRATION_REVIEWED: {
        "id": "dev-tmpl-registration-reviewed", "page": "pages/inservice/index",
        "fields": {"thing1": "title", "phrase2": "data.result", "time3": "time",
                   "thing4": "body"},
    },
    RED_LIGHT: {
        "id": "dev-tmpl-red-light", "page": _REQUEST_PAGE,
        "fields": {"character_string1": "request_no", "thing2": "category",
                   "time3": "deadline", "thing4": "body"},
    },
    ACTIVITY_CHANGED: {
        "id": "dev-tmpl-activity-changed", "page": "pages/activity/index",
        "fields": {"thing1": "data.title", "time2": "data.starts_at", "thing3": "data.place",
                   "thing4": "body"},
    },
    ACTIVITY_CANCELLED: {
        "id": "dev-tmpl-activity-cancelled", "page": "pages/activity/index",
        "fields": {"thing1": "data.title", "time2": "data.starts_at", "thing3": "data.reason"},
    },
}
