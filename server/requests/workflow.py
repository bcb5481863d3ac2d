"""The state machine of a request: the one place that changes its status.

``TABLE`` says, for each (status, action), the next status and who may do it. ``apply``
checks the table, writes the status, the timestamps and the timeline event in the caller's
transaction, with a conditional UPDATE on ``version`` so that two people acting at once
never both win. HTTP handlers, the escalation job and Open311 all come through here; ``apply_many`` is the
same for a batch of requests (the escalation sweep), in one UPDATE and one INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ARRAY, Integer, bindparam, case, func, insert, literal, select, tuple_, update

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
    return decide_status(Status(request.status), action, relations)


def decide_status(status: Status, action: Action,
                  relations: set[Relation]) -> tuple[Rule, Relation]:
    """``decide`` for a request known only by its status (a row read by a batch job)."""
    if not WHO_MAY.get(action, frozenset()) & relations:
        raise Forbidden(f"您无权执行此操作 ({action})")
    rule = TABLE.get((status, action))
    if rule is None:
        if action == A.ACCEPT and status in _HELD and R.HANDLER not in relations:
            raise Conflict("已被他人接单", code=Code.ACCEPTED_BY_OTHER)  # the race was lost before we read it
        if action == A.ACCEPT and R.HANDLER in relations and status in _HELD:
            raise Conflict("您已接单，无需重复接单", code=Code.STATUS_FORBIDS)
        raise Conflict("当前状态不允许此操作", code=Code.STATUS_FORBIDS)
    standing = rule.who & relations
    if not standing:
        raise Forbidden(f"您无权执行此操作 ({action})")
    for preferred in (R.HANDLER, R.TEAM, R.OWNER, R.COMMITTEE, R.STREET, R.COUNTY, R.SYSTEM):
        if preferred in standing:
            return rule, preferred
    raise AssertionError("unreachable")


def _columns(target: Status | None, from_status: Status, *, now: datetime,
             changes: dict | None) -> tuple[Status, dict]:
    """The status a step leads to and the columns it writes (all but ``version``)."""
    new_status = target or from_status
    values = {"status": new_status, "updated_at": now}
    if target is not None and target in _STAMPS:
        values[_STAMPS[target]] = now
    values.update(changes or {})
    return new_status, values


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
    new_status, written = _columns(target, Status(from_status), now=now, changes=changes)
    written["version"] = Request.version + 1
    result = db.session.execute(
        update(Request)
        .where(Request.id == request.id, Request.version == request.version)
        .values(**written)
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


@dataclass(frozen=True)
class Step:
    """One transition of a request in ``apply_many``: when it happens, the other columns it
    writes (hop, team, deadlines) and its event's data."""

    now: datetime
    changes: dict = field(default_factory=dict)
    data: dict | None = None


@dataclass(frozen=True)
class Move:
    """The steps one request takes in ``apply_many``, from the row as it was read: the move
    is applied whole only if the request still has that ``version``."""

    request_id: int
    version: int
    status: Status
    steps: tuple[Step, ...]


def apply_many(moves: Sequence[Move], action: Action, *, actor_id: int | None,
               relation: Relation) -> set[int]:
    """``apply`` for many requests at once, each through one or more steps of ``action``;
    the caller commits. Returns the ids of the requests that moved.

    The table is checked for every step as ``apply`` does. The requests change in one UPDATE,
    conditional on the version each was read at, and their events go in one INSERT: a sweep
    over hundreds of requests costs two statements instead of two per step. A request
    someone changed since it was read (accepted, say) loses quietly: it does not move and
    gets no event, as ``apply`` raising ``Conflict`` would leave it.
    """
    columns_of: dict[int, dict] = {}
    events: list[dict] = []
    for move in moves:
        status = Status(move.status)
        columns: dict = {}
        for step in move.steps:
            rule, standing = decide_status(status, action, {relation})
            new_status, written = _columns(rule.to, status, now=step.now, changes=step.changes)
            columns.update(written)
            events.append({"request_id": move.request_id, "actor_id": actor_id,
                           "actor_role": standing.value, "action": action.value,
                           "from_status": status.value, "to_status": new_status.value,
                           "data": step.data, "created_at": step.now})
            status = new_status
        if move.steps:
            columns_of[move.request_id] = columns
    # One UPDATE per set of columns written (one for a sweep, whose moves all write the same).
    groups: dict[tuple[str, ...], list[Move]] = {}
    for move in moves:
        if move.request_id in columns_of:
            groups.setdefault(tuple(sorted(columns_of[move.request_id])), []).append(move)
    moved: set[int] = set()
    for names, group in groups.items():
        moved |= _update_many(names, [(m, columns_of[m.request_id]) for m in group])
    won = [event for event in events if event["request_id"] in moved]
    if won:
        db.session.execute(insert(Event.__table__), won)
    return moved


def _update_many(names: tuple[str, ...], rows: list[tuple[Move, dict]]) -> set[int]:
    """One UPDATE giving each request its own ``names`` columns, only where the request still
    has the version read, and its version plus its steps; the ids it changed. PostgreSQL
    re-checks the version of a row another transaction changed meanwhile, so the loser of a
    race is simply not among them."""
    if db.engine.dialect.name == "postgresql":
        return _update_arrays(names, rows)
    return _update_cases(names, rows)


_ARRAY_UPDATES: dict[tuple[str, ...], object] = {}


def _update_arrays(names: tuple[str, ...], rows: list[tuple[Move, dict]]) -> set[int]:
    """PostgreSQL: ``UPDATE … FROM`` the columns given as arrays (``unnest``), one statement
    per set of columns built once, so that its compiled form is reused. The CASE form wrote a
    literal per request and column and was compiled afresh for every chunk of a sweep (about
    a quarter of the sweep's time at city scale, in cProfile)."""
    table = Request.__table__
    statement = _ARRAY_UPDATES.get(names)
    if statement is None:
        given = select(
            func.unnest(bindparam("ids", type_=ARRAY(Integer))).label("id"),
            func.unnest(bindparam("read", type_=ARRAY(Integer))).label("read"),
            func.unnest(bindparam("versions", type_=ARRAY(Integer))).label("new_version"),
            *[func.unnest(bindparam(f"given_{name}", type_=ARRAY(table.c[name].type))).label(name)
              for name in names],
        ).subquery("given")
        statement = _ARRAY_UPDATES[names] = (
            update(table)
            .where(table.c.id == given.c.id, table.c.version == given.c.read)
            .values({**{name: given.c[name] for name in names}, "version": given.c.new_version})
            .returning(table.c.id)
        )
    params = {"ids": [move.request_id for move, _row in rows],
              "read": [move.version for move, _row in rows],
              "versions": [move.version + len(move.steps) for move, _row in rows],
              **{f"given_{name}": [row[name] for _move, row in rows] for name in names}}
    return set(db.session.scalars(statement, params))


def _update_cases(names: tuple[str, ...], rows: list[tuple[Move, dict]]) -> set[int]:
    """SQLite: one UPDATE with a CASE on the id per column (one value where all rows agree).

    Not ``WITH given AS (VALUES …) UPDATE … FROM given``: Python's sqlite3 opens a transaction
    only before a statement that starts with INSERT, UPDATE, DELETE or REPLACE, so that form
    committed on its own on SQLite, and a crash between it and the events left requests moved
    without their timeline (tests/faults/test_scheduler_killed.py caught it).
    """
    table = Request.__table__
    ids = table.c.id
    assignments = {}
    for name, column in [(name, table.c[name]) for name in names] + [("version", None)]:
        if column is None:  # the version read plus one per step
            given = {move.request_id: move.version + len(move.steps) for move, _row in rows}
            column = table.c.version
        else:
            given = {move.request_id: row[name] for move, row in rows}
        first = next(iter(given.values()))
        if all(value == first for value in given.values()):
            assignments[name] = literal(first, column.type)
        else:
            # Each value typed as its column (a UTC time stays one; a NULL keeps its type).
            assignments[name] = case({request_id: literal(value, column.type)
                                      for request_id, value in given.items()},
                                     value=ids, else_=column)
    statement = (
        update(table)
        .where(tuple_(ids, table.c.version).in_([(m.request_id, m.version) for m, _row in rows]))
        .values(assignments)
        .returning(ids)
    )
    return set(db.session.scalars(statement))


def record(request: Request, action: Action, *, actor_id: int | None, relation: Relation,
           now: datetime, from_status: str | None, note: str | None = None,
           data: dict | None = None) -> Event:
    """Append the event of a request's birth (there is no earlier status to move from)."""
    return _append(request.id, action, actor_id, relation, now, from_status, request.status,
                   note, data)
