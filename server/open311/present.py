"""What Open311 may say about a request: a whitelist, as on the sunlight list.

Never: the resident or requester, their phone, openid or exact address, a handler's name.
The description and photos appear only when the request is ``public`` (the description
redacted of phone and ID numbers); staff notes never (steps are told by their labels); the
address is the section's name; coordinates are rounded to two decimals (about a kilometre).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from server.catalogue.models import Category
from server.grid.models import Community, Grid, Section, Team
from server.privacy import public_photos, redact, text_is_public
from server.requests.enums import OPEN_STATUSES, STATUS_LABELS, Action, Status
from server.requests.models import Event, Photo, Request


def w3c(value: datetime | None) -> str | None:
    """W3C datetime with the deployment's offset, to the second."""
    if value is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return value.astimezone(zone).replace(microsecond=0).isoformat()


def status_of(request: Request) -> str:
    return "open" if request.status in OPEN_STATUSES else "closed"


def place_name(section: Section) -> str:
    grid: Grid = section.grid
    community: Community = grid.community
    return f"{community.name} {grid.name} {section.name}"


def service_notice(category: Category) -> str:
    return f"{category.accept_minutes}分钟内响应，{category.resolve_hours}小时内办结"


# Steps that say something to the public. Their free-text notes are never published: staff
# write names, phone numbers and door numbers in them, which no pattern reliably removes.
_TOLD = {Action.SUBMIT, Action.ACCEPT, Action.CANCEL, Action.REOPEN, Action.PROGRESS,
         Action.RESOLVE, Action.APPROVE, Action.RETURN, Action.REJECT, Action.ESCALATE,
         Action.ASSIGN, Action.MERGE}

ACTION_LABELS = {
    Action.SUBMIT: "已受理，已派单",
    Action.ESCALATE_HOP: "超时未接单，已转派",
    Action.REROUTE: "片区调整，已转派新网格",
    Action.RELEASE: "办理人调离，社区重新指派",
    Action.ACCEPT: "已接单",
    Action.CANCEL: "已撤回",
    Action.PROGRESS: "办理进展",
    Action.RESOLVE: "已办理，待审核",
    Action.APPROVE: "审核通过，已办结",
    Action.RETURN: "审核退回，重新办理",
    Action.ASSIGN: "社区已指派办理人",
    Action.REJECT: "已驳回",
    Action.ESCALATE: "已吹哨，转部门办理",
    Action.RATE: "已评价",
    Action.REOPEN: "已重新办理",
    Action.MERGE: "与另一诉求合并办理",
}


def event_text(event: Event) -> str:
    """The label of a step; a whistle names the department (never a person)."""
    label = ACTION_LABELS.get(Action(event.action), event.action)
    if event.action == Action.ESCALATE and event.data and event.data.get("department"):
        label = f"{label}（{redact(event.data['department'])}）"
    return label


def status_notes(request: Request) -> str:
    """The current status in words, and the latest step that says more."""
    notes = STATUS_LABELS[Status(request.status)]
    for event in reversed(request.events):
        if event.action in _TOLD:
            return f"{notes}；{event_text(event)}"
    return notes


def agency(request: Request, teams: dict[int, Team], community: Community) -> str:
    if request.status == Status.REFERRED:
        for event in reversed(request.events):
            if event.action == Action.ESCALATE and event.data and event.data.get("department"):
                return event.data["department"]
    if request.team_id is not None and request.team_id in teams:
        return teams[request.team_id].name
    return f"{community.name}居委会"


def photo_url(photo: Photo, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/media/{photo.filename}"


def first_media(request: Request, base_url: str) -> str | None:
    photos = public_photos(request)
    return photo_url(photos[0], base_url) if photos else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def service_request(request: Request, *, section: Section, teams: dict[int, Team],
                    base_url: str) -> dict:
    """One ``request`` element of GET requests, in the spec's order."""
    return {
        "service_request_id": request.no,
        "status": status_of(request),
        "status_notes": status_notes(request),
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": redact(request.description) if text_is_public(request) else None,
        "agency_responsible": agency(request, teams, section.grid.community),
        "service_notice": service_notice(request.category),
        "requested_datetime": w3c(request.submitted_at),
        "updated_datetime": w3c(request.updated_at),
        "expected_datetime": w3c(request.resolve_deadline),
        "address": place_name(section),
        "address_id": str(section.id),
        "zipcode": None,
        "lat": _round(request.lat),
        "long": _round(request.lng),
        "media_url": first_media(request, base_url),
    }


# FixMyStreet's statuses for each step of the timeline (rating steps are not published).
UPDATE_STATUS = {
    Action.SUBMIT: "OPEN",
    Action.ESCALATE_HOP: "OPEN",
    Action.REROUTE: "OPEN",
    Action.RELEASE: "OPEN",
    Action.ACCEPT: "ACTION_SCHEDULED",
    Action.ASSIGN: "ACTION_SCHEDULED",
    Action.PROGRESS: "IN_PROGRESS",
    Action.RETURN: "IN_PROGRESS",
    Action.RESOLVE: "IN_PROGRESS",  # done by the handler, awaiting the committee's review
    Action.APPROVE: "FIXED",
    Action.REJECT: "NO_FURTHER_ACTION",
    Action.CANCEL: "CANCELLED",
    Action.ESCALATE: "INTERNAL_REFERRAL",
    Action.REOPEN: "REOPEN",
    Action.MERGE: "DUPLICATE",
}


def request_update(event: Event, request: Request, base_url: str) -> dict:
    photo = next((p for p in public_photos(request) if p.event_id == event.id), None)
    return {
        "update_id": str(event.id),
        "service_request_id": request.no,
        "status": UPDATE_STATUS[Action(event.action)],
        "updated_datetime": w3c(event.created_at),
        "description": event_text(event),
        "media_url": photo_url(photo, base_url) if photo else None,
    }


def service(category: Category) -> dict:
    keywords = [k for k in re.split(r"[、，,]", category.description or "") if k.strip()]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,  # every service takes the section_id and public attributes
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": "社区网格服务",
    }


def definition(category: Category, sections: list[Section]) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "section_id",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "片区编号；也可用 address_id 传同一编号",
                "order": 1,
                "description": "诉求发生地所在的封闭片区（社区 网格 片区）",
                "values": [{"key": str(s.id), "name": place_name(s)} for s in sections],
            },
            {
                "variable": True,
                "code": "public",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "默认 false",
                "order": 2,
                "description": "是否同意在晒单中公开诉求描述和照片（不含个人信息）",
                "values": [{"key": "true", "name": "同意公开"},
                           {"key": "false", "name": "不公开"}],
            },
        ],
    }


CHANGESET = "2026-11-23T00:00:00+08:00"  # when this face last changed in a way clients see


def discovery(*, url: str, contact: str, key_service: str, endpoint_type: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": url,
            "changeset": CHANGESET,
            "type": endpoint_type,
            "formats": ["text/xml", "application/json"],
        }],
    }
