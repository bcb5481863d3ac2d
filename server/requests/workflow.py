"""The state machine of a request: the one place that changes its status.

``TABLE`` says, for each (status, action), the next status and who may do it. ``apply``
checks the table, writes the status, the timestamps and the timeline event in the caller's
transaction, with a conditional UPDATE on ``version`` so that two people acting at once
never both win. HTTP handlers, the escalation job and Open311 all come through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update

from server.errors import Code, Conflict, Forbidden
from server.extensions import db
from server.requests.enums import OPEN_STATUSES, Action, Relation, Status
from server.requests.models import Event, EventNote, Request

S, A, R = Status, Action, Relation


@dataclass(frozen=True)
class Rule:
    to: Status | None  # None keeps the status (a note, a rating, a hop)
    who: frozenset[Relation]
    also_to: frozenset[Status] = field(default_factory=frozenset)  # other allowed targets


def _rule(to, *who, also_to=()):
    return Rule(to, frozenset(who), frozenset(also_to))


_OPEN_UNTAKEN = (S.DISPATCHED,)
_HELD = (S.ACCEPTED, S.IN_PROGRESS)

TABLE: dict[tuple[Status, Action], Rule] = {
    (S.DISPATCHED, A.ACCEPT): _rule(S.ACCEPTED, R.TEAM),
    (S.DISPATCHED, A.CANCEL): _rule(S.CANCELLED, R.OWNER),
    (S.DISPATCHED, A.ESCALATE_HOP): _rule(None, R.SYSTEM),
    (S.DISPATCHED, A.REROUTE): _rule(None, R.SYSTEM),
    **{(s, A.PROGRESS): _rule(S.IN_PROGRESS, R.HANDLER) for s in _HELD},
    # Its handler left every team of the community: back to the committee's desk to reassign.
    **{(s, A.RELEASE): _rule(S.DISPATCHED, R.SYSTEM) for s in _HELD},
    **{(s, A.RESOLVE): _rule(S.RESOLVED, R.HANDLER) for s in _HELD},
    # The committee records a department's result after a whistle (吹哨 → 报到).
    (S.REFERRED, A.RESOLVE): _rule(S.RESOLVED, R.COMMITTEE),
    (S.REFERRED, A.REPORT_BACK): _rule(None, R.COMMITTEE),
    (S.RESOLVED, A.APPROVE): _rule(S.CLOSED, R.COMMITTEE),
    (S.RESOLVED, A.RETURN): _rule(S.IN_PROGRESS, R.COMMITTEE),
    **{
        (s, A.ASSIGN): _rule(S.ACCEPTED, R.COMMITTEE)
        for s in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.REFERRED)
    },
    **{
        (s, A.REJECT): _rule(S.REJECTED, R.COMMITTEE)
        for s in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.REFERRED)
    },
    # The committee blows the whistle; so does the street supervising it (督办: it takes over).
    **{(s, A.ESCALATE): _rule(S.REFERRED, R.COMMITTEE, R.STREET) for s in (S.DISPATCHED, *_HELD)},
    # The street (or the county) instructs the committee; work the committee let escalate goes
    # back down to it with a fresh deadline (service.act moves the hop).
    **{(s, A.INSTRUCT): _rule(None, R.STREET, R.COUNTY) for s in OPEN_STATUSES},
    # A duplicate closes into an open original; the original's timeline records it.
    **{(s, A.MERGE): _rule(S.MERGED, R.COMMITTEE) for s in OPEN_STATUSES},
    **{(s, A.ABSORB): _rule(None, R.COMMITTEE) for s in OPEN_STATUSES},
    (S.CLOSED, A.RATE): _rule(None, R.OWNER),
    # Content held by WeChat's content security is released by the committee in any status.
    **{(s, A.MODERATE): _rule(None, R.COMMITTEE) for s in S},
    # Back to its handler; with no handler (closed after a whistle) back to the dispatch desk.
    (S.CLOSED, A.REOPEN): _rule(S.IN_PROGRESS, R.OWNER, also_to=(S.DISPATCHED,)),
}

# Which relations may ever perform an action, whatever the status: decides 403 against 409.
WHO_MAY: dict[Action, frozenset[Relation]] = {}
for (_status, _action), _r in TABLE.items():
    WHO_MAY[_action] = WHO_MAY.get(_action, frozenset()) | _r.who

_STAMPS = {
    S.ACCEPTED: "accepted_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
    S.REJECTED: "closed_at",
    S.CANCELLED: "closed_at",
    S.MERGED: "closed_at",
}


def decide(request: Request, action: Action, relations: set[Relation]) -> tuple[Rule, Relation]:
    """The rule and the standing the actor acts in, or the error that refuses them.

    403 when none of the actor's relations may ever do this (or may not in this status);
    409 when the action does not exist for the request's status.
    """
    if not WHO_MAY.get(action, frozenset()) & relations:
        raise Forbidden(f"您无权执行此操作 ({action})")
    rule = TABLE.get((Status(request.status), action))
    if rule is None:
        if action == A.ACCEPT and request.status in _HELD and R.HANDLER not in relations:
            raise Conflict("已被他人接单", code=Code.ACCEPTED_BY_OTHER)  # the race was lost before we read it
        if action == A.ACCEPT and R.HANDLER in relations and request.status in _HELD:
            raise Conflict("您已接单，无需重复接单", code=Code.STATUS_FORBIDS)
        raise Conflict("当前状态不允许此操作", code=Code.STATUS_FORBIDS)
    standing = rule.who & relations
    if not standing:
        raise Forbidden(f"您无权执行此操作 ({action})")
    for preferred in (R.HANDLER, R.TEAM, R.OWNER, R.COMMITTEE, R.STREET, R.COUNTY, R.SYSTEM):
        if preferred in standing:
            return rule, preferred
    raise AssertionError("unreachable")


def apply(
    request: Request,
    action: Action,
    *,
    actor_id: int | None,
    relation: Relation,
    now: datetime,
    note: str | None = None,
    data: dict | None = None,
    to: Status | None = None,
    changes: dict | None = None,
    lost_code: Code = Code.STATUS_FORBIDS,
) -> Event:
    """Apply one transition and append its event; the caller commits.

    ``changes`` are the other columns this step writes (handler, team, deadlines). Raises
    409 when the status does not allow the action or someone else changed the request first.
    """
    rule, relation = decide(request, action, {relation})
    target = rule.to
    if to is not None and to != rule.to:
        if to not in rule.also_to:
            raise AssertionError(f"{action} may not lead to {to}")
        target = to
    from_status = request.status
    new_status = target or from_status
    values = {"status": new_status, "updated_at": now, "version": Request.version + 1}
    if target is not None and target in _STAMPS:
        values[_STAMPS[target]] = now
    values.update(changes or {})
    result = db.session.execute(
        update(Request)
        .where(Request.id == request.id, Request.version == request.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        message = "已被他人接单" if action == A.ACCEPT else "该诉求刚被他人处理，请刷新后重试"
        raise Conflict(message, code=Code.ACCEPTED_BY_OTHER if action == A.ACCEPT else lost_code)
    request_id = request.id
    db.session.expire(request)
    return _append(request_id, action, actor_id, relation, now, from_status, new_status, note, data)


def _append(request_id, action, actor_id, relation, now, from_status, to_status, note, data) -> Event:
    event = Event(request_id=request_id, actor_id=actor_id, actor_role=relation.value,
                  action=action.value, from_status=from_status, to_status=to_status,
                  data=data, created_at=now)
    if note is not None:  # the text goes to the erasable side table
        event.note_row = EventNote(request_id=request_id, text=note)
    db.session.add(event)
    db.session.flush()
    return event


def record(request: Request, action: Action, *, actor_id: int | None, relation: Relation,
           now: datetime, from_status: str | None, note: str | None = None,
           data: dict | None = None) -> Event:
    """Append the event of a request's birth (there is no earlier status to move from)."""
    return _append(request.id, action, actor_id, relation, now, from_status, request.status,
                   note, data)
