"""The public serializer: the only way a request reaches a page anyone can read.

Whitelist, not blacklist: every field below is listed on purpose. Never shown: the resident
(name, phone, openid, id), the address and coordinates, internal ids, private descriptions,
free-text notes other than a published result. Descriptions appear only when the resident
chose ``public``, and every published text passes through :func:`redact`. Party members on
duty appear by team and masked name (王*), as public servants in this role.

A result (the handler's last resolve note and its photos) is *cleared for public view* once the
committee approved it (the request is closed) and the resident chose ``public``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from server.privacy import mask_name, public_photos, redact, text_is_public
from server.requests.enums import PATROL, STATUS_LABELS, TASK, Action, Relation, Satisfaction, Status
from server.requests.lights import light_of

# The fields a public request carries, and the fields of one public timeline step.
PUBLIC_REQUEST_FIELDS = (
    "no", "category", "grid", "status", "status_label", "light", "light_label", "submitted_at",
    "accepted_at", "closed_at", "team", "handler", "description", "rating", "reopen_count",
    "supporters",
)
PUBLIC_STEP_FIELDS = ("action", "label", "at", "by", "department", "result", "photos")

LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY_SATISFIED: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}
SUBMIT_LABELS = {TASK: "社区两委下达任务（责任上单）", PATROL: "党员巡查上报"}
ACTION_LABELS = {  # every action, so that no step of a public timeline shows a code
    Action.SUBMIT: "居民提交诉求",
    Action.ESCALATE_HOP: "超时未接单，转派",
    Action.REROUTE: "片区调整至新网格，转派",
    Action.RELEASE: "办理人已调离服务队，退回社区两委重新指派",
    Action.ACCEPT: "接单",
    Action.CANCEL: "居民撤回",
    Action.PROGRESS: "办理进展",
    Action.RESOLVE: "办理完成，待审核",
    Action.APPROVE: "社区审核通过，办结",
    Action.RETURN: "社区退回重办",
    Action.ASSIGN: "社区指派",
    Action.REJECT: "社区驳回",
    Action.ESCALATE: "社区吹哨，交由职能部门办理",
    Action.REPORT_BACK: "职能部门报到",
    Action.RATE: "居民评价",
    Action.REOPEN: "居民申请重办",
    Action.MERGE: "与另一诉求反映同一问题，合并办理",
    Action.ABSORB: "合并了反映同一问题的诉求",
    Action.MODERATE: "社区审核诉求内容",
    Action.INSTRUCT: "上级督办指示",
}
# Steps of supervision up the chain (督办), named for what they did.
SUPERVISION_LABELS = {
    "to_street": "社区超时未处理，转街道督办",
    "back_to_committee": "上级督办，退回社区限时办理",
    "street_whistle": "街道吹哨，交由职能部门办理",
}
DEPARTMENT_ACTIONS = {Action.ESCALATE, Action.REPORT_BACK}  # their steps name the department


def display_name(user) -> str:
    return mask_name(user.name or user.nickname) if user is not None else "党员"


# --- the serializer ---------------------------------------------------------------------


def local(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).isoformat()


def public_request(request, *, now: datetime, grids: dict, teams: dict, users: dict) -> dict:
    """The whitelisted view of one request. ``grids``/``teams``/``users`` map ids to rows
    loaded once per page, so that a page of fifty costs the queries of a page of one."""
    light = light_of(status=request.status, submitted_at=request.submitted_at,
                     resolve_deadline=request.resolve_deadline, now=now)
    rating = request.ratings[-1] if request.ratings else None
    team = teams.get(request.team_id)
    grid = grids.get(request.grid_id)
    out = {
        "no": request.no,
        "category": request.category.name,
        "grid": grid.name if grid else None,
        "status": request.status,
        "status_label": STATUS_LABELS[Status(request.status)],
        "light": light.value if light else None,
        "light_label": LIGHT_LABELS[light.value] if light else None,
        "submitted_at": local(request.submitted_at),
        "accepted_at": local(request.accepted_at),
        "closed_at": local(request.closed_at) if request.status == Status.CLOSED else None,
        "team": team.name if team else None,
        "handler": display_name(users.get(request.handler_id)) if request.handler_id else None,
        "description": redact(request.description) if text_is_public(request) else None,
        "rating": {
            "resolved": rating.resolved,
            "satisfaction": rating.satisfaction,
            "label": SATISFACTION_LABELS[Satisfaction(rating.satisfaction)],
        } if rating else None,
        "reopen_count": request.reopen_count,
        "supporters": request.support_count,  # residents who said "me too" (附议)
    }
    assert tuple(out) == PUBLIC_REQUEST_FIELDS
    return out


def public_timeline(request, *, users: dict, photo_url, departments: dict | None = None) -> list[dict]:
    """Each step: what happened, when, and who acted in their public capacity.

    ``departments`` maps a department's code to its name: a whistle's steps name the
    department as people know it, never by its code."""
    departments = departments or {}
    cleared = text_is_public(request) and request.status == Status.CLOSED
    last_resolve = max((e.id for e in request.events if e.action == Action.RESOLVE), default=None)
    steps = []
    for event in request.events:
        published = cleared and event.id == last_resolve
        step = {
            "action": event.action,
            "label": _label(event),
            "at": local(event.created_at),
            "by": _actor(event, users),
            "department": _department(event, departments)
            if event.action in DEPARTMENT_ACTIONS else None,
            "result": redact(event.note) if published else None,
            "photos": [photo_url(p) for p in public_photos(request) if p.event_id == event.id]
            if published else [],
        }
        assert tuple(step) == PUBLIC_STEP_FIELDS
        steps.append(step)
    return steps


def _label(event) -> str:
    """The step's label; a merge names the other request by its public number."""
    label = ACTION_LABELS[Action(event.action)]
    data = event.data or {}
    if event.action == Action.ESCALATE_HOP and data.get("to_hop") == "street":
        return SUPERVISION_LABELS["to_street"]
    if event.action == Action.INSTRUCT and data.get("to_hop") == "committee":
        return SUPERVISION_LABELS["back_to_committee"]
    if event.action == Action.ESCALATE and event.actor_role == Relation.STREET:
        return SUPERVISION_LABELS["street_whistle"]
    channel = (event.data or {}).get("channel")
    if event.action == Action.SUBMIT and channel in SUBMIT_LABELS:
        label = SUBMIT_LABELS[channel]
    other = (event.data or {}).get("into" if event.action == Action.MERGE else "duplicate")
    if event.action in (Action.MERGE, Action.ABSORB) and other:
        label = f"{label}（{other}）"
    return label


def department_codes(request) -> set[str]:
    """The codes of the departments a request's timeline refers to."""
    return {str(e.data["department"]) for e in request.events
            if e.action in DEPARTMENT_ACTIONS and (e.data or {}).get("department")}


def _department(event, departments: dict) -> str:
    data = event.data or {}
    name = departments.get(str(data.get("department"))) or data.get("department_name")
    return redact(name) if name else "职能部门"


def _actor(event, users: dict) -> str:
    role = event.actor_role
    if role == Relation.OWNER:
        return "居民"
    if role == Relation.COMMITTEE:
        return "社区两委"
    if role == Relation.STREET:
        return "街道"
    if role == Relation.COUNTY:
        return "县城乡治理服务中心"
    if role == Relation.SYSTEM:
        return "系统"
    return display_name(users.get(event.actor_id))
