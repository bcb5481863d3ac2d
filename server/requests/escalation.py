"""Duty's sweeps over requests: escalation along the hops, light warnings, overdue whistles.

Jobs take ``now`` and are idempotent and state-based: a request moves only through
``workflow.apply`` (a conditional update on its version), an alert is a unique row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload

from server.duty import queries as duty
from server.errors import Conflict
from server.extensions import db
from server.grid.models import Section, Team
from server.requests import dispatch, notices, workflow
from server.requests.enums import OPEN_STATUSES, Action, Hop, Relation, Status
from server.requests.lights import Light, red_clause
from server.requests.models import LightAlert, Request, Whistle

log = logging.getLogger(__name__)


# --- escalation ----------------------------------------------------------------------------


COMMIT_EVERY = 20


def escalate_due(now: datetime, *, batch: int = 500) -> dict:
    """Move every request past its hop's accept deadline to its next hop.

    A request late for several hops (after downtime) catches up in one run, one timeline
    event per hop, each dated when that hop's deadline passed. Due requests are found through
    the ``(status, accept_deadline)`` index, so the cost follows the due work, not the table.

    Each request moves inside its own savepoint (a conflict undoes that request only) and the
    moves are committed ``COMMIT_EVERY`` at a time: one durable commit per request made the
    sweep wait for the disk a thousand times for a thousand requests. A crash loses at most
    the uncommitted chunk, which the next run finds due again and moves the same way.
    """
    due = list(db.session.scalars(
        select(Request.id)
        .where(Request.status == Status.DISPATCHED, Request.accept_deadline <= now)
        .order_by(Request.accept_deadline, Request.id).limit(batch)
    ))
    requests = hops = 0
    for n, request_id in enumerate(due, 1):
        try:
            with db.session.begin_nested():
                moved = _escalate_one(request_id, now)
        except Conflict:  # accepted or changed by someone while we looked: nothing to do
            moved = 0
        requests += bool(moved)
        hops += moved
        if n % COMMIT_EVERY == 0:
            db.session.commit()
    db.session.commit()
    return {"due": len(due), "escalated": requests, "hops": hops}


def _escalate_one(request_id: int, now: datetime) -> int:
    # Its collections (timeline, photos, ratings, whistles) are not needed to move a request:
    # loaded only if touched, here and when the request is refreshed after each hop.
    request = db.session.get(Request, request_id, populate_existing=True, options=[
        lazyload(Request.events), lazyload(Request.photos), lazyload(Request.ratings),
        lazyload(Request.whistles)])
    section = db.session.get(Section, request.section_id)
    moved = 0
    while (request.status == Status.DISPATCHED and request.accept_deadline is not None
           and request.accept_deadline <= now):
        arrived = request.accept_deadline
        previous = Hop(request.hop) if request.hop else None
        stop = dispatch.next_stop(category=request.category, section=section, after=previous,
                                  at=arrived)
        data = {"from_hop": request.hop, "to_hop": stop.hop.value,
                "team_id": stop.team.id if stop.team else None,
                "skipped": [h.value for h in stop.skipped], "swept_at": now.isoformat()}
        workflow.apply(request, Action.ESCALATE_HOP, actor_id=None, relation=Relation.SYSTEM,
                       now=arrived, data=data, changes=stop.columns())
        moved += 1
    if moved:
        notices.new_task(request, now=now)
    return moved


# --- a section moved to another grid -------------------------------------------------------


def follow_moved_section(section: Section, *, from_grid_id: int, now: datetime) -> list[str]:
    """After ``section`` moved to another grid: its requests waiting at the old grid's A team
    (dispatched, not accepted) go to the new grid's A team, with a fresh accept deadline (or
    onward, as dispatch does, when nobody there is on duty). Accepted work stays with its
    handler; the timeline records each move. The caller commits; returns the numbers moved.
    """
    old_team_id = db.session.scalar(select(Team.id).where(Team.grid_id == from_grid_id))
    if old_team_id is None:
        return []
    waiting = list(db.session.scalars(
        select(Request).where(Request.section_id == section.id, Request.team_id == old_team_id,
                              Request.status == Status.DISPATCHED).order_by(Request.id)))
    moved = []
    for request in waiting:
        team = dispatch.hop_target(Hop.A, section=section)
        if team is not None and duty.on_duty_user_ids(team.id, now):
            stop = dispatch.Stop(Hop.A, team, now,
                                 now + timedelta(minutes=request.category.accept_minutes))
        else:
            stop = dispatch.next_stop(category=request.category, section=section, after=Hop.A,
                                      at=now)
        number = request.no
        data = {"from_team_id": old_team_id, "team_id": stop.team.id if stop.team else None,
                "from_grid_id": from_grid_id, "grid_id": section.grid_id, "to_hop": stop.hop.value,
                "skipped": [h.value for h in stop.skipped]}
        try:
            with db.session.begin_nested():
                workflow.apply(request, Action.REROUTE, actor_id=None, relation=Relation.SYSTEM,
                               now=now, data=data,
                               changes={**stop.columns(), "grid_id": section.grid_id})
        except Conflict:  # accepted (or moved on) while we looked: it stays where it went
            continue
        notices.new_task(request, now=now)
        moved.append(number)
    return moved


# --- lights ----------------------------------------------------------------------------------


def _alert(request: Request, light: Light, now: datetime) -> bool:
    """Record that ``light`` was raised for this cycle; False when it already was."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(LightAlert)
        .values(request_id=request.id, cycle=request.reopen_count, light=light.value,
                created_at=now)
        .on_conflict_do_nothing(index_elements=["request_id", "cycle", "light"])
        .returning(LightAlert.id)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def _not_alerted(light: Light):
    return ~exists().where(LightAlert.request_id == Request.id,
                           LightAlert.cycle == Request.reopen_count,
                           LightAlert.light == light.value)


def light_sweep(now: datetime) -> dict:
    """Yellow tells the handler, red tells the committee (督办): once each per cycle."""
    counts = {"red": 0, "yellow": 0}
    reds = db.session.scalars(select(Request).where(red_clause(now), _not_alerted(Light.RED)))
    for request in list(reds):
        if _alert(request, Light.RED, now):
            _alert(request, Light.YELLOW, now)  # a request found red skips its yellow notice
            notices.red(request, now=now)
            counts["red"] += 1
        db.session.commit()
    yellows = db.session.scalars(select(Request).where(
        Request.status.in_(OPEN_STATUSES), Request.yellow_at <= now, _not_alerted(Light.YELLOW)))
    for request in list(yellows):
        if _alert(request, Light.YELLOW, now):
            notices.yellow(request, now=now)
            counts["yellow"] += 1
        db.session.commit()
    return counts


def whistle_sweep(now: datetime) -> dict:
    """Tell the committee once when a department lets a whistle's deadline pass."""
    rows = db.session.scalars(
        select(Whistle).join(Request, Request.id == Whistle.request_id)
        .where(Whistle.responded_at.is_(None), Whistle.deadline < now,
               Whistle.overdue_notified_at.is_(None), Request.status == Status.REFERRED)
    )
    sent = 0
    for whistle in list(rows):
        claimed = db.session.execute(
            update(Whistle).where(Whistle.id == whistle.id, Whistle.overdue_notified_at.is_(None))
            .values(overdue_notified_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            notices.whistle_overdue(whistle.request, whistle.department.name, now=now)
            sent += 1
        db.session.commit()
    return {"overdue": sent}
