"""Registration at the home community and its review by that community's committee."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.extensions import db
from server.grid.models import TeamMember
from server.grid.queries import teams_of
from server.inservice.models import Registration
from server.notifications.models import Notification
from tests.inservice.conftest import approved, register


def _kinds(user_id: int) -> list[str]:
    """Kinds, with the review's result: ``registration_reviewed:通过``."""
    rows = db.session.execute(
        select(Notification.kind, Notification.data).where(Notification.user_id == user_id)
        .order_by(Notification.id)).all()
    return [f"{kind}:{data['result']}" if data and "result" in data else kind for kind, data in rows]


def test_a_cadre_registers_is_approved_and_serves_on_the_b_post(world):
    created = register(world, "cadre-1")
    assert created.status == 201, created.body
    assert created.data["status"] == "pending" and created.data["phone"] == "139****5678"
    committee = world.user("demo-committee")
    assert "inservice_registered" in _kinds(committee.id)

    desk = world.as_("demo-committee").get("/api/v1/inservice/registrations?status=pending")
    assert [r["id"] for r in desk.data["items"]] == [created.data["id"]]
    assert desk.data["items"][0]["work_unit"] == "镇赉县财政局"

    # Before approval the cadre is no member: no tasks for them.
    assert world.as_("cadre-1").get("/api/v1/tasks").status == 403
    done = world.as_("demo-committee").post(
        f"/api/v1/inservice/registrations/{created.data['id']}/approve")
    assert done.status == 200 and done.data["status"] == "approved"
    assert done.data["team_id"] == world.team_b.id

    cadre = db.session.scalar(select(User).where(User.openid == "cadre-1"))
    db.session.refresh(cadre)
    assert "member" in cadre.roles and cadre.home_section_id == world.section.id
    assert [t.id for t in teams_of(cadre.id)] == [world.team_b.id]
    assert "registration_reviewed:通过" in _kinds(world.user("cadre-1").id)
    # A B-first category lands on their team, and they can take it like any member.
    rid = world.submit(category_code="policy")["id"]
    tasks = world.as_("cadre-1").get("/api/v1/tasks?scope=available").data["items"]
    assert [t["id"] for t in tasks] == [rid]
    assert world.as_("cadre-1").post(f"/api/v1/requests/{rid}/accept").status == 200


def test_one_live_registration_per_person_and_community(world):
    first = register(world, "cadre-1")
    assert first.status == 201
    again = register(world, "cadre-1")
    assert again.status == 409 and again.code == 40950
    world.as_("demo-committee").post(f"/api/v1/inservice/registrations/{first.data['id']}/approve")
    assert register(world, "cadre-1").code == 40950


def test_after_a_rejection_one_may_register_again(world):
    first = register(world, "cadre-1")
    rejected = world.as_("demo-committee").post(
        f"/api/v1/inservice/registrations/{first.data['id']}/reject", {"reason": "党支部信息有误"})
    assert rejected.status == 200 and rejected.data["status"] == "rejected"
    assert rejected.data["reason"] == "党支部信息有误"
    assert "registration_reviewed:未通过" in _kinds(world.user("cadre-1").id)
    assert register(world, "cadre-1").status == 201


@pytest.mark.parametrize(("overrides", "field"), [
    ({"community_id": 999999}, "community_id"),
    ({"phone": "12345"}, "phone"),
    ({"phone": None}, "phone"),
    ({"name": ""}, "name"),
    ({"status": "approved"}, "status"),
])
def test_invalid_registrations_are_422(world, overrides, field):
    response = register(world, "cadre-1", **overrides)
    assert response.status == 422, response.body
    assert field in response.body["errors"]


def test_a_section_of_another_community_is_422(world):
    foreign = world.other_community.grids[0].sections[0]
    response = register(world, "cadre-1", section_id=foreign.id)
    assert response.status == 422 and "section_id" in response.body["errors"]


def test_a_bound_phone_wins_over_a_typed_one(world):
    world.as_("cadre-1")
    user = db.session.scalar(select(User).where(User.openid == "cadre-1"))
    user.phone = "13700001111"
    db.session.commit()
    response = register(world, "cadre-1", phone=None)
    assert response.status == 201 and response.data["phone"] == "137****1111"


def test_review_is_for_the_committee_of_that_community_only(world, other_committee):
    rid = register(world, "cadre-1").data["id"]
    other = world.as_(other_committee)
    assert other.get("/api/v1/inservice/registrations").data["items"] == []
    for action, body in (("approve", None), ("reject", {"reason": "不认识"})):
        refused = other.post(f"/api/v1/inservice/registrations/{rid}/{action}", body)
        assert refused.status == 404, refused.body
    member = world.as_("demo-member-a")
    assert member.get("/api/v1/inservice/registrations").status == 403
    assert member.post(f"/api/v1/inservice/registrations/{rid}/approve").status == 403
    assert world.as_("cadre-1").post(f"/api/v1/inservice/registrations/{rid}/approve").status == 403
    assert db.session.get(Registration, rid).status == "pending"


def test_a_decided_registration_cannot_be_decided_again(world):
    rid = approved(world, "cadre-1")["id"]
    committee = world.as_("demo-committee")
    assert committee.post(f"/api/v1/inservice/registrations/{rid}/approve").code == 40951
    refused = committee.post(f"/api/v1/inservice/registrations/{rid}/reject", {"reason": "晚了"})
    assert refused.status == 409 and refused.code == 40951
    assert committee.post("/api/v1/inservice/registrations/2147483648/approve").status == 404


def test_moving_home_ends_the_old_registration(world, other_committee):
    old = approved(world, "cadre-1")
    section = world.other_community.grids[0].sections[0]
    new = register(world, "cadre-1", community_id=world.other_community.id, section_id=section.id)
    assert new.status == 201
    done = world.as_(other_committee).post(
        f"/api/v1/inservice/registrations/{new.data['id']}/approve")
    assert done.status == 200
    db.session.expire_all()
    assert db.session.get(Registration, old["id"]).status == "ended"
    seats = {s.team_id: s.is_active for s in db.session.scalars(
        select(TeamMember).where(TeamMember.user_id == world.user("cadre-1").id))}
    assert seats == {world.team_b.id: False, done.data["team_id"]: True}
    # Home again: the old community takes a fresh registration.
    assert register(world, "cadre-1").status == 201


def test_the_demo_inservice_member_is_approved(world):
    record = world.as_("demo-inservice").get("/api/v1/inservice/me")
    assert record.status == 200
    [registration] = record.data["registrations"]
    assert registration["status"] == "approved" and registration["work_unit"] == "镇赉县财政局"
    assert registration["team_id"] == world.team_b.id
