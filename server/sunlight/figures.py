"""The figures the product reports, defined once (docs/sunlight.md says the same in words).

A request belongs to a window when it was *submitted* inside it. Each request counts once,
whatever happened to it since (reopened, returned, reassigned): its current columns and its
latest rating decide. ``now`` is when the figures are read; it decides lights and overdue work.

- 响应率 response rate: requests accepted no later than their accept deadline ÷ requests
  dispatched. Every submitted request is dispatched; withdrawn (cancelled) and invalid
  (rejected) ones are left out of both sides. An assignment by the committee after the
  deadline counts as not responded in time.
- 解决率 resolution rate: requests whose latest rating says resolved ÷ rated requests.
- 满意率 satisfaction rate: requests whose latest rating is 满意 or 基本满意 ÷ rated requests.
- 按时办结率 on-time rate: closed on time (``closed_at`` ≤ ``resolve_deadline``) ÷ (closed +
  still open and overdue at ``now``). Open work within its deadline is in neither side; a
  reopened request is open again, with the new deadline the reopening set.
- counts by status and by light (lights from ``server.requests.lights``).
- median time to accept (``accepted_at − submitted_at``) and to resolve (``resolved_at −
  submitted_at``, for requests currently resolved or closed), in minutes.

Groups: community, grid, team (the team now responsible) and member (the current handler).
Rates are ``None`` when their denominator is zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from server.extensions import db
from server.requests.enums import OPEN_STATUSES, Satisfaction, Status
from server.requests.lights import light_of
from server.requests.models import Rating, Request

GROUPS = {
    "community": "community_id",
    "grid": "grid_id",
    "team": "team_id",
    "member": "handler_id",
}

_NOT_COUNTED = (Status.CANCELLED, Status.REJECTED)
_SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)

RATE_LABELS = {
    "response_rate": "响应率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "on_time_rate": "按时办结率",
}


@dataclass
class Figures:
    total: int = 0
    dispatched: int = 0
    responded: int = 0
    rated: int = 0
    rated_resolved: int = 0
    rated_satisfied: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open_overdue: int = 0
    by_status: dict = field(default_factory=dict)
    by_light: dict = field(default_factory=lambda: {"green": 0, "yellow": 0, "red": 0})
    accept_minutes: list = field(default_factory=list, repr=False)
    resolve_minutes: list = field(default_factory=list, repr=False)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.rated_resolved, self.rated)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.rated_satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.closed_on_time, self.closed + self.open_overdue)

    @property
    def median_accept_minutes(self) -> float | None:
        return round(statistics.median(self.accept_minutes), 1) if self.accept_minutes else None

    @property
    def median_resolve_minutes(self) -> float | None:
        return round(statistics.median(self.resolve_minutes), 1) if self.resolve_minutes else None

    def add(self, row, now: datetime) -> None:
        status = row.status
        if status == Status.MERGED:
            return  # a duplicate merged into its original: one problem, counted there once
        self.total += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        light = light_of(status=status, submitted_at=row.submitted_at,
                         resolve_deadline=row.resolve_deadline, now=now)
        if light is not None:
            self.by_light[light.value] += 1
        if status not in _NOT_COUNTED:
            self.dispatched += 1
            if row.accepted_at is not None and row.accept_deadline is not None \
                    and row.accepted_at <= row.accept_deadline:
                self.responded += 1
        if row.accepted_at is not None:
            self.accept_minutes.append((row.accepted_at - row.submitted_at).total_seconds() / 60)
        if row.resolved_at is not None and status in (Status.RESOLVED, Status.CLOSED):
            self.resolve_minutes.append((row.resolved_at - row.submitted_at).total_seconds() / 60)
        if status == Status.CLOSED:
            self.closed += 1
            if row.closed_at is not None and row.resolve_deadline is not None \
                    and row.closed_at <= row.resolve_deadline:
                self.closed_on_time += 1
        elif status in OPEN_STATUSES and row.resolve_deadline is not None \
                and now > row.resolve_deadline:
            self.open_overdue += 1
        if row.rating_resolved is not None:
            self.rated += 1
            self.rated_resolved += bool(row.rating_resolved)
            self.rated_satisfied += row.rating_satisfaction in _SATISFIED

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "dispatched": self.dispatched,
            "responded": self.responded,
            "rated": self.rated,
            "rated_resolved": self.rated_resolved,
            "rated_satisfied": self.rated_satisfied,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "open_overdue": self.open_overdue,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "on_time_rate": self.on_time_rate,
            "median_accept_minutes": self.median_accept_minutes,
            "median_resolve_minutes": self.median_resolve_minutes,
            "by_status": {s.value: self.by_status.get(s.value, 0) for s in Status},
            "by_light": dict(self.by_light),
        }


def rows(*, start: datetime | None = None, end: datetime | None = None,
         community_id: int | None = None) -> Iterable:
    """One narrow query: the columns the figures need, with each request's latest rating."""
    other = aliased(Rating)
    latest = (
        select(func.max(other.cycle)).where(other.request_id == Request.id)
        .correlate(Request).scalar_subquery()
    )
    query = (
        select(
            Request.community_id, Request.grid_id, Request.team_id, Request.handler_id,
            Request.status, Request.submitted_at, Request.accept_deadline,
            Request.resolve_deadline, Request.accepted_at, Request.resolved_at,
            Request.closed_at, Rating.resolved.label("rating_resolved"),
            Rating.satisfaction.label("rating_satisfaction"),
        )
        .outerjoin(Rating, and_(Rating.request_id == Request.id, Rating.cycle == latest))
    )
    if community_id is not None:
        query = query.where(Request.community_id == community_id)
    if start is not None:
        query = query.where(Request.submitted_at >= start)
    if end is not None:
        query = query.where(Request.submitted_at < end)
    return db.session.execute(query.execution_options(yield_per=5000))


def compute(source: Iterable, *, now: datetime, key: Callable | None = None) -> dict:
    """Figures per group of ``source`` rows; ``key(row)`` names the group (None: one group).

    Rows whose key is None (no team yet, no handler yet) are left out of grouped figures.
    """
    out: dict = {}
    for row in source:
        group = key(row) if key is not None else None
        if key is not None and group is None:
            continue
        figures = out.get(group)
        if figures is None:
            figures = out[group] = Figures()
        figures.add(row, now)
    return out


def by(group: str) -> Callable:
    """The key function of one of ``GROUPS``."""
    attribute = GROUPS[group]
    return lambda row: getattr(row, attribute)


def figures_for(*, now: datetime, group: str | None = None, start: datetime | None = None,
                end: datetime | None = None, community_id: int | None = None) -> dict:
    """Figures over a window, by group (``None``: all requests in one group keyed ``None``)."""
    source = rows(start=start, end=end, community_id=community_id)
    result = compute(source, now=now, key=by(group) if group else None)
    if group is None and None not in result:
        result[None] = Figures()
    return result
