"""The figures counted by the database (``figures_for``) equal the definition applied row by
row (``compute(rows(...))``) on random histories: statuses, deadlines met or missed to the
microsecond, reassignments, ratings over several cycles, requests outside the window."""

from __future__ import annotations

import statistics
from datetime import timedelta

from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from server.catalogue.models import Category
from server.extensions import db
from server.requests.enums import Satisfaction, Status
from server.requests.models import Rating, Request
from server.sunlight import figures, service

MICROS = st.integers(min_value=0, max_value=3 * 86_400 * 10**6)  # up to three days
MAYBE = st.one_of(st.none(), MICROS)

history = st.fixed_dictionaries({
    "status": st.sampled_from(list(Status)),
    "submitted": st.integers(min_value=-86_400 * 10**6, max_value=2 * 86_400 * 10**6),
    "accept_deadline": MAYBE, "resolve_deadline": MAYBE, "accepted": MAYBE,
    "resolved": MAYBE, "closed": MAYBE,
    "team": st.integers(min_value=0, max_value=2), "handler": st.integers(min_value=0, max_value=2),
    "ratings": st.lists(st.one_of(st.none(), st.tuples(st.booleans(),
                                                       st.sampled_from(list(Satisfaction)))),
                        max_size=3),
})


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=st.lists(history, min_size=0, max_size=25),
       now_after=st.integers(min_value=0, max_value=4 * 86_400 * 10**6),
       window_days=st.integers(min_value=1, max_value=3))
def test_counted_by_the_database_as_defined_row_by_row(world, clock, histories, now_after,
                                                      window_days):
    base = clock.now()
    made = _insert(world, histories, base)
    try:
        now = base + timedelta(microseconds=now_after)
        start, end = base, base + timedelta(days=window_days)
        # Every grouping at once, each row counted once (the boards and the weekly report);
        # one grouping leaves out the rows outside the window, as a board's headline does.
        rows = list(figures.rows(community_id=world.community.id))
        in_window = [r for r in rows if start <= r.submitted_at < end]
        together = figures.compute_many(rows, now=now, keys={
            "window": lambda r: True if start <= r.submitted_at < end else None,
            **{group: figures.by(group) for group in figures.GROUPS},
            "team_member": lambda r: (r.team_id, r.handler_id) if r.handler_id else None})
        assert _exact(together["window"]) == _exact(
            figures.compute(in_window, now=now, key=lambda _row: True))
        for group in figures.GROUPS:
            assert _exact(together[group]) == _exact(
                figures.compute(rows, now=now, key=figures.by(group))), group
        assert _exact(together["team_member"]) == _exact(figures.compute(
            rows, now=now, key=lambda r: (r.team_id, r.handler_id) if r.handler_id else None))
        # ... and the same groupings counted by the database, in one statement
        day = timedelta(days=1)
        days = [start + day * i for i in range(window_days + 1)]
        submitted = Request.submitted_at
        at_once = {
            "window": figures.Grouping(where=(submitted >= start) & (submitted < end)),
            **{group: figures.grouping_by(group) for group in figures.GROUPS},
            "team_member": figures.Grouping(keys=(Request.team_id, Request.handler_id),
                                            where=Request.handler_id.is_not(None)),
            "day": figures.Grouping(keys=(figures.bucket(submitted, days),),
                                    where=(submitted >= start) & (submitted < end)),
        }
        together["day"] = figures.compute(rows, now=now, key=lambda r: (
            (r.submitted_at - start) // day if start <= r.submitted_at < end else None))
        together["window"] = {None: together["window"].get(True, figures.Figures())}
        for middles in (False, True):
            got = figures.groupings(at_once, now=now, community_id=world.community.id,
                                    middles=middles)
            for name, by_key in got.items():
                if middles:
                    assert {k: (f.to_dict(), _medians(f)) for k, f in by_key.items()} == \
                        {k: (f.to_dict(), _medians(f)) for k, f in together[name].items()}, name
                else:
                    assert _exact(by_key) == _exact(together[name]), name
        for group in (None, "community", "grid", "team", "member"):
            expected = figures.compute(
                figures.rows(start=start, end=end, community_id=world.community.id), now=now,
                key=figures.by(group) if group else None)
            if group is None:
                expected.setdefault(None, figures.Figures())
            got = figures.figures_for(now=now, group=group, start=start, end=end,
                                      community_id=world.community.id)
            assert {k: f.to_dict() for k, f in got.items()} == \
                {k: f.to_dict() for k, f in expected.items()}, group
            assert {k: sorted(f.accept_minutes) for k, f in got.items()} == \
                {k: sorted(f.accept_minutes) for k, f in expected.items()}, group
            # only the middle durations (the committee's stats): the same figures, and medians
            # equal to the last bit, not only once rounded
            middles = figures.figures_for(now=now, group=group, start=start, end=end,
                                          community_id=world.community.id, middles=True)
            assert {k: f.to_dict() for k, f in middles.items()} == \
                {k: f.to_dict() for k, f in expected.items()}, group
            assert {k: _medians(f) for k, f in middles.items()} == \
                {k: _medians(f) for k, f in expected.items()}, group
            assert all(len(f.accept_minutes) <= 2 and len(f.resolve_minutes) <= 2
                       for f in middles.values()), group
    finally:
        _remove(made)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=st.lists(history.map(lambda h: {**h, "submitted": h["submitted"] * 20}),
                          min_size=0, max_size=25),
       now_after=st.integers(min_value=0, max_value=7 * 86_400 * 10**6))
def test_a_community_board_counts_as_defined_row_by_row(world, clock, histories, now_after):
    """The board's headline, rankings, daily counts and weekly trend (``board_figures``, one
    statement) equal the definition applied to each request of the window, each grouped in
    Python by its local day and week: requests from two months back to two days ahead."""
    now = clock.now() + timedelta(microseconds=now_after)
    made = _insert(world, histories, now - timedelta(days=38))
    try:
        by, days, weeks = service.board_figures(world.community.id, now=now)
        start = days[0]
        assert start == service.public_window(now)[0] and weeks[-2] == service.week_start(now)
        assert len(days) == current_app.config["SUNLIGHT_WINDOW_DAYS"] + 1
        rows = list(figures.rows(community_id=world.community.id))
        expected = figures.compute_many(rows, now=now, keys={
            "community": lambda r: True if r.submitted_at >= start else None,
            "team": lambda r: r.team_id if r.submitted_at >= start else None,
            "member": lambda r: (r.team_id, r.handler_id)
            if r.handler_id and r.submitted_at >= start else None,
            "week": lambda r: _index(weeks, service.week_start(r.submitted_at)),
            "day": lambda r: _index(days, service.day_start(service.local_day(r.submitted_at))),
        })
        expected["community"] = {None: expected["community"].get(True, figures.Figures())}
        assert by.keys() == expected.keys()
        for name, by_key in by.items():
            assert {k: (f.to_dict(), _medians(f)) for k, f in by_key.items()} == \
                {k: (f.to_dict(), _medians(f)) for k, f in expected[name].items()}, name
    finally:
        _remove(made)


def _index(bounds: list, start) -> int | None:
    """The span of ``bounds`` that begins at ``start`` (None: no span of the board's)."""
    return bounds.index(start) if start in bounds[:-1] else None


def test_durations_across_a_second_boundary_are_exact(world, clock):
    """Times to accept whose ends straddle a second, in microseconds, as stored: SQLite reads a
    time to the millisecond, so a fraction of .9995 s or more once counted as a whole second."""
    base = clock.now()
    category = db.session.scalar(select(Category.id).order_by(Category.id))
    cases = [(0, 999_500), (500, 999_500), (999_999, 1), (123_456, 999_500), (600_000, 600_000)]
    for n, (offset, took) in enumerate(cases):
        submitted = base + timedelta(microseconds=offset)
        db.session.add(Request(
            no=f"SB-{n}", community_id=world.community.id, grid_id=world.section.grid_id,
            section_id=world.section.id, category_id=category, description="跨秒", status="accepted",
            submitted_at=submitted, updated_at=submitted,
            accepted_at=submitted + timedelta(microseconds=took)))
    db.session.commit()
    got = figures.figures_for(now=base, community_id=world.community.id)[None].accept_minutes
    assert sorted(got) == sorted(took / 10**6 / 60 for _, took in cases)


def _insert(world, histories: list[dict], base) -> list[int]:
    """The requests (and ratings) of ``histories``, submitted ``submitted`` µs after ``base``."""
    teams = [None, world.team_a.id, world.team_b.id]
    handlers = [None, world.user("demo-member-a").id, world.user("demo-member-b").id]
    category = db.session.scalar(select(Category.id).order_by(Category.id))
    grid = world.section.grid_id
    made = []
    for n, h in enumerate(histories):
        submitted = base + timedelta(microseconds=h["submitted"])

        def after(micros, submitted=submitted):
            return None if micros is None else submitted + timedelta(microseconds=micros)

        request = Request(
            no=f"PT-{n}", community_id=world.community.id, grid_id=grid,
            section_id=world.section.id, category_id=category, description="随机历史",
            status=h["status"].value, team_id=teams[h["team"]], handler_id=handlers[h["handler"]],
            submitted_at=submitted, updated_at=submitted,
            accept_deadline=after(h["accept_deadline"]), resolve_deadline=after(h["resolve_deadline"]),
            accepted_at=after(h["accepted"]), resolved_at=after(h["resolved"]),
            closed_at=after(h["closed"]))
        db.session.add(request)
        db.session.flush()
        for cycle, rating in enumerate(h["ratings"], 1):
            if rating is not None:
                db.session.add(Rating(request_id=request.id, cycle=cycle, resolved=rating[0],
                                      satisfaction=rating[1].value, created_at=submitted))
        made.append(request.id)
    db.session.commit()
    return made


def _remove(made: list[int]) -> None:
    db.session.rollback()
    db.session.execute(delete(Rating).where(Rating.request_id.in_(made)))
    db.session.execute(delete(Request).where(Request.id.in_(made)))
    db.session.commit()


def _exact(by_key: dict) -> dict:
    """Every figure, and the durations themselves (not only their rounded medians)."""
    return {k: (f.to_dict(), sorted(f.accept_minutes), sorted(f.resolve_minutes))
            for k, f in by_key.items()}


def _medians(f: figures.Figures) -> tuple:
    return tuple(statistics.median(values) if values else None
                 for values in (f.accept_minutes, f.resolve_minutes))
