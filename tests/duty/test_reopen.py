"""Reopening: back to the handler, or to the team that last held the request; reopened too
often, it goes to the committee."""

from __future__ import annotations

from server.extensions import db
from server.requests.escalation import escalate_due


def _close_unresolved(world, rid, *, whistle: bool = False) -> None:
    committee, resident = world.as_("demo-committee"), world.as_("demo-resident")
    if whistle:
        assert committee.post(f"/api/v1/requests/{rid}/escalate",
                              {"department": "urban_mgmt", "note": "需执法"}).status == 200
        assert committee.post(f"/api/v1/requests/{rid}/whistle/response",
                              {"note": "已处理"}).status == 200
    else:
        assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/resolve",
                                               {"note": "已处理"}).status == 200
    assert committee.post(f"/api/v1/requests/{rid}/approve").status == 200
    assert resident.post(f"/api/v1/requests/{rid}/rate",
                         {"resolved": False, "satisfaction": "dissatisfied"}).status == 200


def _reopen(world, rid) -> dict:
    reopened = world.as_("demo-resident").post(f"/api/v1/requests/{rid}/reopen",
                                               {"reason": "问题复发"})
    assert reopened.status == 200, reopened.body
    return reopened.data


def test_with_no_handler_it_goes_back_to_the_team_that_last_held_it(world, clock, inbox):
    rid = world.submit()["id"]  # A first, then B
    clock.advance(minutes=31)
    escalate_due(clock.now())
    db.session.expire_all()
    _close_unresolved(world, rid, whistle=True)  # a department's work: no handler
    reopened = _reopen(world, rid)
    assert reopened["status"] == "dispatched" and reopened["handler_id"] is None
    assert (reopened["hop"], reopened["team_id"]) == ("B", world.team_b.id)  # not A again
    event = reopened["timeline"][-1]
    assert event["action"] == "reopen"
    assert event["data"] == {"hop": "B", "team_id": world.team_b.id, "reopen_cap": False}
    assert "new_task" in inbox.kinds(world.user("demo-member-b").id)
    assert world.as_("demo-member-b").post(f"/api/v1/requests/{rid}/accept").status == 200


def test_a_retired_last_team_sends_it_along_the_hops_afresh(world, clock):
    rid = world.submit()["id"]
    clock.advance(minutes=31)
    escalate_due(clock.now())
    db.session.expire_all()
    _close_unresolved(world, rid, whistle=True)
    world.team_b.is_active = False
    db.session.commit()
    reopened = _reopen(world, rid)
    assert (reopened["hop"], reopened["team_id"]) == ("A", world.team_a.id)


def test_the_third_reopening_goes_to_the_committee(world, clock, inbox):
    rid = world.submit()["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    handler = world.user("demo-member-a").id
    for count in (1, 2):
        _close_unresolved(world, rid)
        clock.advance(hours=1)
        reopened = _reopen(world, rid)
        assert reopened["status"] == "in_progress" and reopened["handler_id"] == handler
        assert reopened["reopen_count"] == count
    _close_unresolved(world, rid)
    third = _reopen(world, rid)
    assert third["status"] == "dispatched" and third["reopen_count"] == 3
    assert (third["hop"], third["team_id"], third["handler_id"]) == ("committee", None, None)
    assert third["timeline"][-1]["data"]["reopen_cap"] is True
    assert "task_committee" in inbox.kinds(world.user("demo-committee").id)
    # the committee assigns it (or blows the whistle); the old handler no longer holds it
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/resolve",
                                           {"note": "x"}).status in (403, 409)


def test_the_cap_is_configurable(world, app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "REOPEN_MAX", 1)
    rid = world.submit()["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    _close_unresolved(world, rid)
    assert _reopen(world, rid)["status"] == "in_progress"
    _close_unresolved(world, rid)
    assert _reopen(world, rid)["hop"] == "committee"


def test_no_cap_when_set_to_zero(world, app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "REOPEN_MAX", 0)
    rid = world.submit()["id"]
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200
    for _ in range(3):
        _close_unresolved(world, rid)
        assert _reopen(world, rid)["status"] == "in_progress"
