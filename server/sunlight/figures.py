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

Channels: the figures are residents' by default (``channel="resident"``: the mini-program and
partner systems); members' patrol reports (巡查上报, channel ``patrol``) are counted apart
(``channel="patrol"``) and never in residents' rates.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from server.extensions import db
from server.requests.enums import NOT_FROM_RESIDENTS, OPEN_STATUSES, Satisfaction, Status
from server.requests.lights import light_of
from server.requests.models import Rating, Request
from server.types import UTCDateTime

GROUPS = {
    "community": "community_id",
    "grid": "grid_id",
    "team": "team_id",
    "member": "handler_id",
}

_NOT_COUNTED = (Status.CANCELLED, Status.REJECTED)

CHANNELS = ("resident", "patrol", "task")


def channel_clause(channel: str | None):
    """SQL for one of ``CHANNELS`` (None: every request)."""
    if channel is None:
        return None
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if channel == "resident":
        return Request.channel.not_in(NOT_FROM_RESIDENTS)
    return Request.channel == channel
_SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
_COUNTS = ("total", "dispatched", "responded", "rated", "rated_resolved", "rated_satisfied",
           "closed", "closed_on_time", "open_overdue")

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

    def merge(self, other: Figures) -> None:
        """Add ``other``'s requests to these: every figure is a count or a list of durations,
        so the figures of a union are the sums (a median is taken of the merged list)."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, n in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + n
        for light, n in other.by_light.items():
            self.by_light[light] += n
        self.accept_minutes += other.accept_minutes
        self.resolve_minutes += other.resolve_minutes

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


class micros_between(FunctionElement):
    """``later - earlier`` in whole microseconds, exact on PostgreSQL and on SQLite."""

    type = BigInteger()
    name = "micros_between"
    inherit_cache = True


@compiles(micros_between, "postgresql")
def _micros_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000 AS BIGINT)"


@compiles(micros_between, "sqlite")
def _micros_sqlite(element, compiler, **kw):
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds from strftime, then the
    # six digits of microseconds. strftime is given the seconds without their fraction: it
    # reads a time to the millisecond, so .9995 s and above became the next second.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return (f"((CAST(strftime('%s', substr({later}, 1, 19)) AS INTEGER) "
            f"- CAST(strftime('%s', substr({earlier}, 1, 19)) AS INTEGER)) * 1000000 "
            f"+ CAST(substr({later}, 21, 6) AS INTEGER) "
            f"- CAST(substr({earlier}, 21, 6) AS INTEGER))")


def rows(*, start: datetime | None = None, end: datetime | None = None,
         community_id: int | None = None, channel: str | None = "resident") -> Iterable:
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
        .where(Request.status != Status.MERGED)  # counted once, in its original
    )
    if community_id is not None:
        query = query.where(Request.community_id == community_id)
    if channel is not None:
        query = query.where(channel_clause(channel))
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


def compute_many(source: Iterable, *, now: datetime, keys: dict[str, Callable]) -> dict[str, dict]:
    """``compute`` for several groupings of the same rows, each row counted once.

    ``keys`` names each grouping's key function; a row whose key is None is left out of that
    grouping. A row is added to the figures of the group all the keys name together, and each
    grouping is the merge of those: one ``Figures.add`` per row instead of one per grouping.
    The definition's answer, row by row, to what ``groupings`` counts in the database (the
    boards and the weekly report use that one; the tests compare the two).
    """
    names, functions = list(keys), list(keys.values())
    together: dict[tuple, Figures] = {}
    for row in source:
        group = tuple(key(row) for key in functions)
        figures = together.get(group)
        if figures is None:
            figures = together[group] = Figures()
        figures.add(row, now)
    out: dict[str, dict] = {name: {} for name in names}
    for group, figures in together.items():
        for name, value in zip(names, group, strict=True):
            if value is None:
                continue
            merged = out[name].get(value)
            if merged is None:
                merged = out[name][value] = Figures()
            merged.merge(figures)
    return out


def by(group: str) -> Callable:
    """The key function of one of ``GROUPS``."""
    attribute = GROUPS[group]
    return lambda row: getattr(row, attribute)


def figures_for(*, now: datetime, group: str | None = None, start: datetime | None = None,
                end: datetime | None = None, community_id: int | None = None,
                channel: str | None = "resident", middles: bool = False) -> dict:
    """Figures over a window, by group (``None``: all requests in one group keyed ``None``).

    The same numbers as ``compute(rows(...))`` (the definition above; tests compare the two on
    random histories), counted by the database (``groupings``).

    With ``middles`` each group's duration lists hold only their middle value or two (ranked
    by the database): the same medians, a few rows instead of one a request, but lists that
    must not be merged across groups (``rankings`` merges them and leaves this off).
    """
    return groupings({"only": grouping_by(group)}, now=now, start=start, end=end,
                     community_id=community_id, channel=channel, middles=middles)["only"]


@dataclass(frozen=True)
class Grouping:
    """One way of grouping a window's requests for ``groupings``: ``keys``, integer SQL
    expressions of a request whose values name its group (none: one group keyed ``None``; one:
    that value; several: the tuple), and ``where``, the requests it counts (None: all)."""

    keys: tuple = ()
    where: Any = None


def grouping_by(group: str | None) -> Grouping:
    """One of ``GROUPS`` as a ``Grouping`` (None: every request in one group); requests
    without a value (no team yet, no handler yet) are left out, as by ``compute``."""
    if group is None:
        return Grouping()
    column = getattr(Request, GROUPS[group])
    return Grouping(keys=(column,), where=column.is_not(None))


def bucket(column, bounds: list[datetime]):
    """SQL: the index ``i`` of the span ``bounds[i] <= column < bounds[i + 1]``, NULL outside
    them (days or weeks of a board, as integers any database groups by)."""
    return case((column < bounds[0], None),
                *[(column < bound, i) for i, bound in enumerate(bounds[1:])], else_=None)


def groupings(groups: dict[str, Grouping], *, now: datetime, start: datetime | None = None,
              end: datetime | None = None, community_id: int | None = None,
              channel: str | None = "resident", middles: bool = False) -> dict[str, dict]:
    """Figures of a window's requests under several groupings at once (``compute_many``'s
    numbers), in one statement that reads the window once.

    Every count is a comparison of stored values, summed per group and status by the
    database; Python only splits the open, not yet overdue requests into green and yellow (a
    product of a duration) and takes the medians of the durations. ``middles`` as in
    ``figures_for``.
    """
    # The latest rating of each request, coded: NULL (not rated), +2 resolved, +1 satisfied;
    # a scalar subquery per row (one index probe), which no planner turns into a scan of
    # every rating.
    satisfied = case((Rating.satisfaction.in_(_SATISFIED), 1), else_=0)
    rating = (
        select(case((Rating.resolved.is_(None), None),
                    else_=case((Rating.resolved.is_(True), 2), else_=0) + satisfied))
        .where(Rating.request_id == Request.id).order_by(Rating.cycle.desc()).limit(1)
        .correlate(Request).scalar_subquery()
    )
    # A duplicate merged into its original is one problem, counted there once (as ``add``).
    window = [Request.status != Status.MERGED]
    if community_id is not None:
        window.append(Request.community_id == community_id)
    if channel is not None:
        window.append(channel_clause(channel))
    if start is not None:
        window.append(Request.submitted_at >= start)
    if end is not None:
        window.append(Request.submitted_at < end)
    # Each grouping's keys and whether it counts the request, as columns of the window (one
    # grouping alone narrows the window instead).
    names = list(groups)
    alone = len(names) == 1
    if alone and groups[names[0]].where is not None:
        window.append(groups[names[0]].where)
    width = max((len(g.keys) for g in groups.values()), default=0)
    grouped = []
    for n, name in enumerate(names):
        g = groups[name]
        grouped += [cast(k, BigInteger).label(f"k{n}_{i}") for i, k in enumerate(g.keys)]
        if g.where is not None and not alone:
            grouped.append(case((g.where, 1), else_=0).label(f"in{n}"))
    # Durations in whole microseconds computed by the database (exact on both), so that no
    # datetime is built per row; only the open requests within their deadline bring their
    # two datetimes, for the light.
    done = Request.status.in_((Status.RESOLVED, Status.CLOSED))
    open_in_time = Request.status.in_(OPEN_STATUSES) & (Request.resolve_deadline >= now)
    # One row per request of the window, computed once: MATERIALIZED, because inlined, the
    # rating subquery ran once per aggregate that reads it; and every part below reads these
    # rows instead of scanning the window again.
    each = select(
        *grouped, Request.status.label("status"),
        case((Request.accepted_at <= Request.accept_deadline, 1), else_=0).label("responded"),
        case((Request.closed_at <= Request.resolve_deadline, 1), else_=0).label("on_time"),
        case((Request.resolve_deadline < now, 1), else_=0).label("overdue"),
        rating.label("rating"),
        case((Request.accepted_at.is_not(None),
              micros_between(Request.accepted_at, Request.submitted_at))).label("accept_us"),
        case((done & Request.resolved_at.is_not(None),
              micros_between(Request.resolved_at, Request.submitted_at))).label("resolve_us"),
        case((open_in_time, Request.submitted_at)).label("open_since"),
        case((open_in_time, Request.resolve_deadline)).label("open_deadline"),
    ).where(*window).cte("each").prefix_with("MATERIALIZED")
    parts = []
    for n, name in enumerate(names):
        g = groups[name]
        keys = [each.c[f"k{n}_{i}"] for i in range(len(g.keys))]
        padded = keys + [_none(BigInteger)] * (width - len(keys))
        counted = [] if g.where is None or alone else [each.c[f"in{n}"] == 1]
        counts = select(
            literal("count").label("kind"), literal(n).label("grouping"), *padded,
            each.c.status, func.count().label("n"),
            func.coalesce(func.sum(each.c.responded), 0).label("responded"),
            func.coalesce(func.sum(each.c.on_time), 0).label("on_time"),
            func.coalesce(func.sum(each.c.overdue), 0).label("overdue"),
            func.count(each.c.rating).label("rated"),
            func.coalesce(func.sum(case((each.c.rating >= 2, 1), else_=0)), 0)
            .label("rated_resolved"),
            func.coalesce(func.sum(case((each.c.rating.in_([1, 3]), 1), else_=0)), 0)
            .label("rated_satisfied"),
            _none(BigInteger).label("value"), _none(UTCDateTime).label("since"),
            _none(UTCDateTime).label("deadline"),
        ).where(*counted).group_by(*keys, each.c.status)
        lights = select(
            literal("open"), literal(n), *padded, each.c.status, *[_none(BigInteger)] * 7,
            _none(BigInteger), each.c.open_since, each.c.open_deadline,
        ).where(each.c.open_since.is_not(None), *counted)
        parts += [counts, lights]
        for kind, value in (("accept_minutes", each.c.accept_us),
                            ("resolve_minutes", each.c.resolve_us)):
            listed, value_, where = _values(each, keys, counted, value, middles=middles)
            listed += [_none(BigInteger)] * (width - len(listed))
            parts.append(select(literal(kind), literal(n), *listed, _none(String),
                                *[_none(BigInteger)] * 7, value_, _none(UTCDateTime),
                                _none(UTCDateTime)).where(where))
    out: dict[str, dict] = {name: {} for name in names}
    widths = [len(groups[name].keys) for name in names]
    for row in db.session.execute(union_all(*parts)):  # the parts' rows in any order
        n = row[1]
        if widths[n] == 0:
            key = None
        elif widths[n] == 1:
            key = row[2]
        else:
            key = tuple(row[2:2 + widths[n]])
        by_key = out[names[n]]
        f = by_key.get(key)
        if f is None:
            f = by_key[key] = Figures()
        if row.kind == "count":
            _add_counts(f, row)
        elif row.kind == "open":
            light = light_of(status=row.status, submitted_at=row.since,
                             resolve_deadline=row.deadline, now=now)
            f.by_light[light.value] += 1
        else:  # as timedelta.total_seconds() / 60
            getattr(f, row.kind).append(row.value / 10**6 / 60)
    for n, name in enumerate(names):
        if widths[n] == 0:
            out[name].setdefault(None, Figures())
    return out


def _none(type_):
    """A NULL of ``type_``: the parts of one UNION share their columns' types (PostgreSQL
    types a column of untyped NULLs as text)."""
    return cast(null(), type_)


def _values(each, keys: list, counted: list, value, *, middles: bool):
    """(key columns, value, condition) of a part listing ``value`` of each row of ``each``
    that has one (and that its grouping counts); with ``middles`` only the middle one or two
    of each group in the order of ``value``: all that its median needs."""
    if not middles:
        return list(keys), value, and_(value.is_not(None), *counted)
    ranked = select(
        *keys, value.label("value"),
        func.row_number().over(partition_by=keys or None, order_by=value).label("rank"),
        func.count().over(partition_by=keys or None).label("n"),
    ).where(value.is_not(None), *counted).subquery()
    # odd n: the rank (n + 1) / 2; even n: the ranks n / 2 and n / 2 + 1
    return [ranked.c[k.name] for k in keys], ranked.c.value, (ranked.c.rank * 2).in_(
        [ranked.c.n, ranked.c.n + 1, ranked.c.n + 2])


def _add_counts(f: Figures, row) -> None:
    """One (group, status) row of the counts into the group's figures."""
    status = row.status
    f.total += row.n
    f.by_status[status] = f.by_status.get(status, 0) + row.n
    if status not in _NOT_COUNTED:
        f.dispatched += row.n
        f.responded += row.responded
    if status == Status.CLOSED:
        f.closed += row.n
        f.closed_on_time += row.on_time
    elif status in OPEN_STATUSES:
        f.open_overdue += row.overdue
        f.by_light["red"] += row.overdue
    f.rated += row.rated
    f.rated_resolved += row.rated_resolved
    f.rated_satisfied += row.rated_satisfied
