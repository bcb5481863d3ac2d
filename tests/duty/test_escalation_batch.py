"""The escalation sweep moves requests a chunk at a time, set-based; these tests prove it moves
them exactly as moving them one at a time does (hops, deadlines, timeline, notices), leaves a
request accepted meanwhile alone, and that its on-duty set query agrees with the one-team one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from server.accounts.models import User
from server.catalogue.models import Category
from server.duty import queries as duty
from server.duty.models import Leave, Shift
from server.errors import Conflict
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Grid, Section, Team, TeamMember
from server.notifications.models import Delivery, Notification
from server.requests import dispatch, escalation, notices, workflow
from server.requests.enums import Action, Hop, Relation, Status
from server.requests.escalation import escalate_due
from server.requests.models import Event, Request

T = timedelta


# --- a community with different rosters and leave -------------------------------------------


def _team(post: Post, place_id: int) -> Team:
    column = Team.grid_id if post == Post.A else Team.section_id
    return db.session.scalar(select(Team).where(Team.post == post, column == place_id))


def _user(world, openid: str) -> User:
    user = User(openid=openid, nickname=openid, created_at=world.clock.now())
    db.session.add(user)
    db.session.flush()
    return user


def _member(team: Team, user: User, world, *, active: bool = True) -> None:
    db.session.add(TeamMember(team_id=team.id, user_id=user.id, is_active=active,
                              joined_at=world.clock.now()))


def _leave(world, user_id: int, start: timedelta, end: timedelta) -> None:
    t0 = world.clock.now()
    db.session.add(Leave(user_id=user_id, starts_at=t0 + start, ends_at=t0 + end,
                         created_at=t0))


def _places(world) -> dict:
    """Sections by a short name: s1…s6 in the demo community (grids g1 = s1, s2; g2 = s3, s4;
    g3 = s5, s6) and j1 in the other one."""
    sections = {}
    for key, community in (("s", world.community), ("j", world.other_community)):
        rows = db.session.scalars(select(Section).join(Grid, Grid.id == Section.grid_id)
                                  .where(Grid.community_id == community.id)
                                  .order_by(Section.grid_id, Section.id))
        for n, section in enumerate(rows, 1):
            sections[f"{key}{n}"] = section
    return sections


def _rosters(world) -> dict:
    """T0 is Monday 09:00 local; m is minutes after it. Who is on duty where:

    A(g1): demo-member-a and -a2 (all week), both on leave m70–m120.  B(s1): demo-member-b and
    demo-inservice (all week).  A(g2): u1, on a shift Monday 09:00–09:40 only (m0–m40).
    B(s3): u2, no roster (always), on leave m50–m180.  B(s4): u3 on leave all day and u4 as an
    inactive member: nobody.  A(g3): retired, with u1.  B(s5): u4, no roster (always).
    Everyone else: no members. The safety category gives the committee 20 minutes.
    """
    places = _places(world)
    g2, g3 = places["s3"].grid_id, places["s5"].grid_id
    u1, u2, u3, u4 = (_user(world, f"batch-u{n}") for n in range(1, 5))
    _member(_team(Post.A, g2), u1, world)
    db.session.add(Shift(team_id=_team(Post.A, g2).id, user_id=u1.id, weekday=0,
                         start_minute=540, end_minute=580, created_at=world.clock.now()))
    _member(_team(Post.B, places["s3"].id), u2, world)
    _leave(world, u2.id, T(minutes=50), T(minutes=180))
    _member(_team(Post.B, places["s4"].id), u3, world)
    _leave(world, u3.id, T(hours=-1), T(days=1))
    _member(_team(Post.B, places["s4"].id), u4, world, active=False)
    retired = _team(Post.A, g3)
    retired.is_active = False
    _member(retired, u1, world)
    _member(_team(Post.B, places["s5"].id), u4, world)
    for openid in ("demo-member-a", "demo-member-a2"):
        _leave(world, world.user(openid).id, T(minutes=70), T(minutes=120))
    db.session.execute(Category.__table__.update().where(Category.code == "safety")
                       .values(committee_minutes=20))
    db.session.commit()
    return places


def _due(world, no: str, section: Section, category: Category, hop: Hop,
         deadline: timedelta) -> int:
    """A dispatched request waiting at ``hop`` whose accept deadline is T0 + ``deadline``."""
    t0 = world.clock.now()
    post = {Hop.A: Post.A, Hop.B: Post.B}.get(hop)
    team = None if post is None else _team(post, section.grid_id if post == Post.A else section.id)
    request = Request(no=no, community_id=section.grid.community_id, grid_id=section.grid_id,
                      section_id=section.id, category_id=category.id, description="批量升级",
                      status=Status.DISPATCHED.value, hop=hop.value,
                      team_id=team.id if team else None, accept_deadline=t0 + deadline,
                      submitted_at=t0 - T(hours=1), updated_at=t0 - T(hours=1))
    db.session.add(request)
    db.session.flush()
    return request.id


def _one_at_a_time(request_id: int, now) -> int:
    """The sweep as it moved one request at a time, from the per-request pieces that remain:
    ``dispatch.next_stop``, ``workflow.apply`` and ``notices.new_task``."""
    request = db.session.get(Request, request_id)
    section = db.session.get(Section, request.section_id)
    moved = 0
    while request.accept_deadline is not None and request.accept_deadline <= now:
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


def _story(request_id: int) -> dict:
    """Everything the sweep writes about a request, with its number taken out of the texts."""
    db.session.expire_all()
    request = db.session.get(Request, request_id)
    events = db.session.scalars(select(Event).where(Event.request_id == request_id)
                                .order_by(Event.id))
    told = db.session.scalars(select(Notification).where(Notification.request_id == request_id)
                              .order_by(Notification.id))
    return {
        "row": (request.status, request.hop, request.team_id, request.accept_deadline,
                request.updated_at, request.version),
        "events": [(e.action, e.actor_id, e.actor_role, e.from_status, e.to_status, e.data,
                    e.created_at) for e in events],
        "told": [(n.user_id, n.kind, n.title, n.body.replace(request.no, "#"), n.data,
                  n.created_at, [(d.channel, d.status, d.attempts, d.next_attempt_at)
                                 for d in db.session.scalars(select(Delivery).where(
                                     Delivery.notification_id == n.id))])
                 for n in told],
    }


STARTS = [(Hop.A, T(minutes=0)), (Hop.B, T(minutes=40)), (Hop.COMMITTEE, T(minutes=10)),
          (Hop.A, T(minutes=60)), (Hop.B, T(minutes=80)), (Hop.A, T(minutes=140))]
SWEPT = T(minutes=150)


@pytest.mark.parametrize("chunk", [7, escalation.DEFAULT_CHUNK])
def test_the_batch_moves_every_request_as_one_at_a_time_would(world, clock, monkeypatch, chunk):
    monkeypatch.setitem(current_app.config, "ESCALATION_CHUNK", chunk)
    places = _rosters(world)
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    pairs = []
    for name, section in places.items():
        for code in ("sanitation", "policy", "safety"):
            for hop, deadline in STARTS:
                key = f"{name}-{code}-{hop.value}-{int(deadline.total_seconds()) // 60}"
                pairs.append((key, _due(world, f"B-{len(pairs)}", section, categories[code],
                                        hop, deadline),
                              _due(world, f"R-{len(pairs)}", section, categories[code],
                                   hop, deadline)))
    later = _due(world, "B-later", places["s1"], categories["sanitation"], Hop.A, T(hours=3))
    db.session.commit()
    now = clock.now() + SWEPT

    reference = 0
    for _key, _batch, one in pairs:
        reference += _one_at_a_time(one, now)
        db.session.commit()
    result = escalate_due(now)

    assert result == {"due": len(pairs), "escalated": len(pairs), "hops": reference}
    stories = {key: _story(batch) for key, batch, _one in pairs}
    for key, _batch, one in pairs:
        assert stories[key] == _story(one), key
    assert _story(later)["events"] == []

    # The decisions themselves, worked out by hand from the rosters (m: minutes after T0).
    t0 = clock.now()
    team_b1, team_a1 = _team(Post.B, places["s1"].id).id, _team(Post.A, places["s1"].grid_id).id
    team_b3 = _team(Post.B, places["s3"].id).id

    def hops(key):
        return [(e[5]["from_hop"], e[5]["to_hop"], e[5]["team_id"], e[5]["skipped"],
                 int((e[6] - t0).total_seconds()) // 60) for e in stories[key]["events"]]

    assert hops("s1-sanitation-A-0") == [("A", "B", team_b1, [], 0),
                                        ("B", "committee", None, [], 30)]
    assert hops("s1-safety-A-0") == [("A", "B", team_b1, [], 0), ("B", "committee", None, [], 15),
                                     ("committee", "street", None, [], 35)]
    assert hops("s1-safety-committee-10") == [("committee", "street", None, [], 10)]
    # B(s1) → A(g1): on duty at m40, so it waits there until m160, after this sweep.
    assert hops("s1-policy-B-40") == [("B", "A", team_a1, [], 40)]
    assert stories["s1-policy-B-40"]["row"][1:4] == ("A", team_a1, t0 + T(minutes=160))
    # At m80 both A(g1) members are on leave: the committee directly.
    assert hops("s1-policy-B-80") == [("B", "committee", None, ["A"], 80)]
    assert hops("s2-sanitation-A-0") == [("A", "committee", None, ["B"], 0)]
    # u2 holds B(s3) until their leave starts at m50.
    assert hops("s3-sanitation-A-0") == [("A", "B", team_b3, [], 0),
                                        ("B", "committee", None, [], 30)]
    assert hops("s3-sanitation-A-60") == [("A", "committee", None, ["B"], 60)]
    assert hops("s3-sanitation-A-140") == [("A", "committee", None, ["B"], 140)]
    assert hops("s1-sanitation-A-140") == [("A", "B", team_b1, [], 140)]
    # u1's shift at A(g2) ends at 09:40 (m40): not on duty at m40.
    assert hops("s3-policy-B-40") == [("B", "committee", None, ["A"], 40)]
    # A(g3) is retired, B(s4) has nobody: straight up; the other community has no teams at all.
    assert hops("s5-policy-B-40") == [("B", "committee", None, ["A"], 40)]
    assert hops("s4-sanitation-A-0") == [("A", "committee", None, ["B"], 0)]
    assert hops("j1-safety-A-0") == [("A", "committee", None, ["B"], 0),
                                     ("committee", "street", None, [], 20)]

    # Who was told: B(s1)'s members, the committee, the street's staff and the committee.
    b1 = sorted([world.user("demo-member-b").id, world.user("demo-inservice").id])
    committee, street = world.user("demo-committee").id, world.user("demo-street").id
    assert [(n[0], n[1]) for n in stories["s1-sanitation-A-140"]["told"]] == [
        (b1[0], "new_task"), (b1[1], "new_task")]
    assert [(n[0], n[1]) for n in stories["s1-sanitation-A-0"]["told"]] == [
        (committee, "task_committee")]
    assert [(n[0], n[1]) for n in stories["s1-safety-A-0"]["told"]] == [
        (street, "supervision"), (committee, "supervision")]
    # Told who is on duty when the sweep runs: A(g1)'s leave ended at m120.
    a1 = sorted([world.user("demo-member-a").id, world.user("demo-member-a2").id])
    assert [(n[0], n[1]) for n in stories["s1-policy-B-40"]["told"]] == [
        (a1[0], "new_task"), (a1[1], "new_task")]
    assert stories["j1-safety-A-0"]["told"] == []  # nobody serves the other community


def test_a_request_accepted_after_the_read_is_left_where_it_is(world, clock, monkeypatch, inbox):
    taken = world.submit()["id"]
    left = world.submit()["id"]
    member_b = world.user("demo-member-b").id
    before = inbox.kinds(member_b)
    load_teams = dispatch.hop_targets

    def accepted_meanwhile(**places):
        # Between the sweep's read and its write, a member of A accepts one of the two
        # requests through the API (another session, committed).
        accepted = world.as_("demo-member-a").post(f"/api/v1/requests/{taken}/accept")
        assert accepted.status == 200, accepted.body
        return load_teams(**places)

    monkeypatch.setattr(dispatch, "hop_targets", accepted_meanwhile)
    result = escalate_due(clock.now() + T(minutes=30))

    assert result == {"due": 2, "escalated": 1, "hops": 1}
    db.session.expire_all()
    kept = db.session.get(Request, taken)
    assert (kept.status, kept.hop, kept.handler_id) == (
        "accepted", "A", world.user("demo-member-a").id)
    assert [e.action for e in kept.events] == ["submit", "accept"]
    assert not db.session.scalars(select(Notification).where(
        Notification.request_id == taken, Notification.kind == "new_task",
        Notification.user_id == member_b)).all()
    moved = db.session.get(Request, left)
    assert (moved.status, moved.hop) == ("dispatched", "B")
    assert [e.action for e in moved.events] == ["submit", "escalate_hop"]
    assert inbox.kinds(member_b) == [*before, "new_task"]  # for the request that moved only


def test_apply_many_checks_the_table_like_apply(world, clock):
    rid = world.submit()["id"]
    request = db.session.get(Request, rid)
    move = workflow.Move(rid, request.version, Status.CLOSED, (workflow.Step(clock.now()),))
    with pytest.raises(Conflict):
        workflow.apply_many([move], Action.ESCALATE_HOP, actor_id=None,
                            relation=Relation.SYSTEM)
    db.session.rollback()
    assert workflow.apply_many([], Action.ESCALATE_HOP, actor_id=None,
                               relation=Relation.SYSTEM) == set()


def test_the_sweeps_statements_do_not_grow_with_the_requests(world, clock, count_queries,
                                                            monkeypatch):
    monkeypatch.setitem(current_app.config, "ESCALATION_CHUNK", 50)  # one chunk: its cost
    sanitation = db.session.scalar(select(Category).where(Category.code == "sanitation"))
    counts = []
    for n in (3, 40):
        for i in range(n):
            _due(world, f"C-{n}-{i}", world.section, sanitation, Hop.A, T(0))
        db.session.commit()
        count_queries.count = 0
        assert escalate_due(clock.now()) == {"due": n, "escalated": n, "hops": n}
        counts.append(count_queries.count)
    assert counts[0] == counts[1] <= 12


# --- who is on duty, for many (team, moment) pairs at once ------------------------------------


MINUTES = st.integers(min_value=0, max_value=1440)
shift = st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 6), MINUTES, MINUTES)
leave = st.tuples(st.integers(0, 4), st.integers(-3000, 9000), st.integers(1, 3000),
                  st.booleans())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(members=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 4), st.booleans()),
                       max_size=14),
       shifts=st.lists(shift, max_size=12), leaves=st.lists(leave, max_size=6),
       retired=st.sets(st.integers(0, 3), max_size=2),
       moments=st.lists(st.integers(-2000, 12000), min_size=1, max_size=12))
def test_on_duty_for_many_pairs_agrees_with_one_team_at_a_time(world, clock, members, shifts,
                                                              leaves, retired, moments):
    t0 = clock.now()
    places = _places(world)
    teams = [_team(Post.A, places["s3"].grid_id), _team(Post.B, places["s3"].id),
             _team(Post.B, places["s4"].id), _team(Post.A, places["s5"].grid_id)]
    users = [world.user(o).id for o in ("demo-member-a", "demo-member-a2", "demo-member-b",
                                        "demo-inservice", "demo-resident")]
    team_ids = [t.id for t in teams]
    db.session.execute(delete(Shift).where(Shift.team_id.in_(team_ids)))
    db.session.execute(delete(TeamMember).where(TeamMember.team_id.in_(team_ids)))
    db.session.execute(delete(Leave))
    for n, team in enumerate(teams):
        team.is_active = n not in retired
    for (t, u), active in {(t, u): a for t, u, a in members}.items():
        db.session.add(TeamMember(team_id=team_ids[t], user_id=users[u], is_active=active,
                                  joined_at=t0))
    for t, u, weekday, a, b in shifts:
        if a != b:
            db.session.add(Shift(team_id=team_ids[t], user_id=users[u], weekday=weekday,
                                 start_minute=min(a, b), end_minute=max(a, b), created_at=t0))
    for u, start, length, cancelled in leaves:
        db.session.add(Leave(user_id=users[u], starts_at=t0 + T(minutes=start),
                             ends_at=t0 + T(minutes=start + length), created_at=t0,
                             cancelled_at=t0 if cancelled else None))
    db.session.commit()
    # Moments on the minute and between minutes, a second either side of shift edges.
    at = [t0 + T(minutes=m, seconds=s) for m in moments for s in (0, 59)]
    pairs = [(team_id, moment) for team_id in team_ids for moment in at]

    found = duty.on_duty_members(pairs)

    assert set(found) == set(pairs)
    for team_id, moment in pairs:
        assert found[(team_id, moment)] == duty.on_duty_user_ids(team_id, moment)
