"""Duty's sweeps over requests: escalation along the hops, light warnings, overdue whistles.

Jobs take ``now`` and are idempotent and state-based: a request moves only through
``workflow.apply`` or ``workflow.apply_many`` (conditional updates on its version), an alert is
a unique row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.catalogue.models import Category
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


# Requests moved per transaction (``ESCALATION_CHUNK``). A chunk costs about nine statements
# whatever its size, so larger chunks cost less per request (1,000 due requests on the city
# bench database, a busy 2-core machine: chunks of 20 about 590 hops/s, of 100 about 790), but
# a crash loses the uncommitted chunk and a chunk's row locks hold up a member accepting one
# of its requests until it commits (about 0.1 s for a chunk of 100).
DEFAULT_CHUNK = 100


def escalate_due(now: datetime, *, batch: int = 500) -> dict:
    """Move every request past its hop's accept deadline to its next hop.

    A request late for several hops (after downtime) catches up in one run, one timeline
    event per hop, each dated when that hop's deadline passed. Due requests are found through
    the ``(status, accept_deadline)`` index, so the cost follows the due work, not the table.

    Requests are read as rows and moved a chunk at a time, set-based: the chunk's categories
    and candidate teams in one query each, who is on duty in one query per round of hops (see
    ``_plan``), the moves in one conditional UPDATE and one INSERT of events
    (``workflow.apply_many``), the notices in one ``notify_many``; one commit per chunk. Moving
    requests one by one cost about twelve statements each. A request accepted (or otherwise
    changed) after it was read is left where it is, with no event and no notice.
    """
    due = db.session.execute(
        select(Request.id, Request.version, Request.status, Request.hop, Request.category_id,
               Request.section_id, Section.grid_id, Request.community_id, Request.no,
               Request.accept_deadline)
        .join(Section, Section.id == Request.section_id)
        .where(Request.status == Status.DISPATCHED, Request.accept_deadline <= now)
        .order_by(Request.accept_deadline, Request.id).limit(batch)
    ).all()
    requests = hops = 0
    chunk = max(1, int(current_app.config.get("ESCALATION_CHUNK", DEFAULT_CHUNK)))
    for start in range(0, len(due), chunk):
        moved = _escalate_chunk(due[start:start + chunk], now)
        requests += len(moved)
        hops += sum(moved.values())
        db.session.commit()
    db.session.commit()
    return {"due": len(due), "escalated": requests, "hops": hops}


@dataclass
class _Trip:
    """A due request on its way along the hops: where it is now and the steps taken so far."""

    row: Row
    category: Category
    hop: Hop | None
    deadline: datetime
    team_id: int | None = None
    steps: list[workflow.Step] = field(default_factory=list)

    def team_of(self, teams: dict) -> Callable[[Hop], Team | None]:
        return lambda hop: teams.get(
            (hop, dispatch.place_of(hop, grid_id=self.row.grid_id, section_id=self.row.section_id)))


def _escalate_chunk(rows: list[Row], now: datetime) -> dict[int, int]:
    """Move the chunk's requests; the number of hops of each request that moved."""
    categories = {c.id: c for c in db.session.scalars(
        select(Category).where(Category.id.in_(sorted({r.category_id for r in rows}))))}
    teams = dispatch.hop_targets(grid_ids={r.grid_id for r in rows},
                                 section_ids={r.section_id for r in rows})
    trips = [_Trip(row, categories[row.category_id], Hop(row.hop) if row.hop else None,
                   row.accept_deadline) for row in rows]
    _plan(trips, teams, now)
    moved = workflow.apply_many(
        [workflow.Move(t.row.id, t.row.version, Status(t.row.status), tuple(t.steps))
         for t in trips],
        Action.ESCALATE_HOP, actor_id=None, relation=Relation.SYSTEM)
    arrived = [t for t in trips if t.row.id in moved]
    notices.new_tasks([notices.Arrival(t.row.id, t.row.no, t.category.name, t.row.community_id,
                                       t.hop.value, t.team_id, t.deadline) for t in arrived],
                      now=now)
    return {t.row.id: len(t.steps) for t in arrived}


def _plan(trips: list[_Trip], teams: dict, now: datetime) -> None:
    """Take each trip along its hops until a deadline lies ahead (or there is none).

    Round by round: every trip still due moves one hop, dated when its deadline passed, with
    ``dispatch.choose_stop`` (the decision ``next_stop`` makes for one request) answered from
    one ``on_duty_members`` query for all the (team, moment) pairs the round may ask about.
    """
    waiting = trips
    while waiting:
        pairs = {(team.id, t.deadline) for t in waiting
                 for hop in dispatch.hops_after(t.category, t.hop)
                 if (team := t.team_of(teams)(hop)) is not None}
        on_duty = duty.on_duty_members(pairs)
        for trip in waiting:
            arrived = trip.deadline
            stop = dispatch.choose_stop(
                category=trip.category, after=trip.hop, at=arrived, team_of=trip.team_of(teams),
                staffed=_staffed(on_duty, arrived))
            trip.steps.append(workflow.Step(now=arrived, changes=stop.columns(), data={
                "from_hop": trip.hop.value if trip.hop else None, "to_hop": stop.hop.value,
                "team_id": stop.team.id if stop.team else None,
                "skipped": [h.value for h in stop.skipped], "swept_at": now.isoformat()}))
            trip.hop, trip.deadline = stop.hop, stop.accept_deadline
            trip.team_id = stop.team.id if stop.team else None
        waiting = [t for t in waiting if t.deadline is not None and t.deadline <= now]


def _staffed(on_duty: dict, at: datetime) -> Callable[[Team], bool]:
    return lambda team: bool(on_duty[(team.id, at)])


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
