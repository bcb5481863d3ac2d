"""Every committee action leaves a trace: on the request's timeline, or in the audit trail
(``admin_audit``) that the platform admin reads at ``GET /api/v1/admin/audit``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.requests.models import Event
from tests.inservice.conftest import register


def _trail(world) -> list[tuple]:
    page = world.as_("demo-admin").get("/api/v1/admin/audit?limit=50")
    assert page.status == 200, page.body
    return [(e["action"], e["subject"], e["actor_id"], e["community_id"]) for e in page.data["items"]]


def test_in_service_review_and_evaluation_are_audited(world):
    committee = world.as_("demo-committee")
    me = world.user("demo-committee").id
    created = register(world, "demo-resident")
    assert created.status == 201, created.body
    rid = created.data["id"]
    assert committee.post(f"/api/v1/inservice/registrations/{rid}/approve").status == 200
    evaluated = committee.post(f"/api/v1/inservice/registrations/{rid}/evaluation",
                               {"year": 2026, "grade": "excellent"})
    assert evaluated.status in (200, 201), evaluated.body
    other = register(world, "demo-resident-2")
    assert committee.post(f"/api/v1/inservice/registrations/{other.data['id']}/reject",
                          {"reason": "信息不全"}).status == 200
    trail = _trail(world)
    for action in ("inservice.approve", "inservice.evaluate", "inservice.reject"):
        assert (action, "registration", me, world.community.id) in trail


def test_rosters_and_leaves_are_audited(world, clock):
    committee = world.as_("demo-committee")
    me = world.user("demo-committee").id
    b = world.user("demo-member-b").id
    roster = committee.call("PUT", f"/api/v1/teams/{world.team_b.id}/shifts",
                            json={"shifts": [{"user_id": b, "weekday": 6, "start": "00:00", "end": "24:00"}]})
    assert roster.status == 200, roster.body
    leave = committee.post("/api/v1/leaves", {
        "user_id": b, "reason": "外出", "starts_at": clock.now().isoformat(),
        "ends_at": (clock.now() + timedelta(days=1)).isoformat()})
    assert leave.status == 201, leave.body
    assert committee.post(f"/api/v1/leaves/{leave.data['id']}/cancel").status == 200
    trail = _trail(world)
    assert ("duty.shifts", "team", me, world.community.id) in trail
    assert ("duty.leave", "leave", me, world.community.id) in trail
    assert ("duty.leave_cancel", "leave", me, world.community.id) in trail


def test_request_decisions_are_on_the_timeline(world):
    rid = world.submit()["id"]
    committee = world.as_("demo-committee")
    assert committee.post(f"/api/v1/requests/{rid}/reject", {"reason": "重复提交"}).status == 200
    events = db.session.scalars(select(Event).where(Event.request_id == rid).order_by(Event.id))
    assert [(e.action, e.actor_role, e.actor_id) for e in events][-1] == (
        "reject", "committee", world.user("demo-committee").id)
