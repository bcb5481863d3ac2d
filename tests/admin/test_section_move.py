"""A section moves to another grid of its community: its A-post hop follows, its B-post team,
members and requests stay with it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.admin.models import AuditEntry
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Grid, Section, Team, TeamMember
from server.notifications.models import Notification
from server.requests.models import Request


def _new_grid(world, admin) -> Grid:
    created = admin.post(f"/api/v1/admin/communities/{world.community.id}/grids",
                         {"name": "新建网格九"})
    assert created.status == 201, created.body
    grid = db.session.get(Grid, created.data["id"])
    team = db.session.scalar(select(Team).where(Team.grid_id == grid.id, Team.post == Post.A))
    member = world.user("demo-member-b")  # someone on duty there
    db.session.add(TeamMember(team_id=team.id, user_id=member.id, joined_at=world.clock.now()))
    db.session.commit()
    return grid


def test_a_moved_section_is_dispatched_to_its_new_grid(world, admin):
    waiting = world.submit()
    assert (waiting["hop"], waiting["team_id"]) == ("A", world.team_a.id)
    taken = world.submit()
    assert world.as_("demo-member-a").post(f"/api/v1/requests/{taken['id']}/accept").status == 200
    grid = _new_grid(world, admin)
    world.clock.advance(minutes=7)
    moved = admin.call("PATCH", f"/api/v1/admin/sections/{world.section.id}",
                       json={"grid_id": grid.id})
    assert moved.status == 200, moved.body
    db.session.expire_all()
    section = db.session.get(Section, world.section.id)
    assert section.grid_id == grid.id
    new_a = db.session.scalar(select(Team.id).where(Team.grid_id == grid.id))
    created = world.submit()
    assert (created["hop"], created["team_id"]) == ("A", new_a)
    # the B-post team stays with the section
    assert db.session.get(Team, world.team_b.id).section_id == section.id
    committee = world.as_("demo-committee")
    # the request waiting at the old grid's A team follows the section, with a fresh deadline
    followed = committee.get(f"/api/v1/requests/{waiting['id']}").data
    assert followed["section_id"] == section.id and followed["team_id"] == new_a
    assert (followed["hop"], followed["status"]) == ("A", "dispatched")
    step = followed["timeline"][-1]
    assert step["action"] == "reroute" and step["actor_role"] == "system"
    assert step["data"]["from_team_id"] == world.team_a.id and step["data"]["team_id"] == new_a
    row = db.session.get(Request, waiting["id"])
    assert row.grid_id == grid.id
    assert row.accept_deadline == world.clock.now() + timedelta(
        minutes=row.category.accept_minutes)
    told = db.session.scalar(select(Notification).where(
        Notification.request_id == waiting["id"], Notification.kind == "new_task",
        Notification.user_id == world.user("demo-member-b").id))
    assert told is not None
    # accepted work stays with its handler and its team
    kept = committee.get(f"/api/v1/requests/{taken['id']}").data
    assert kept["team_id"] == world.team_a.id and kept["status"] == "accepted"
    assert kept["timeline"][-1]["action"] == "accept"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "section.update")
                              .order_by(AuditEntry.id.desc()).limit(1))
    assert entry.data == {"grid_id": grid.id}


def test_a_section_does_not_move_onto_a_namesake(world, admin):
    grid = _new_grid(world, admin)
    twin = admin.post(f"/api/v1/admin/grids/{grid.id}/sections", {"name": world.section.name})
    assert twin.status == 201, twin.body
    clash = admin.call("PATCH", f"/api/v1/admin/sections/{world.section.id}",
                       json={"grid_id": grid.id})
    assert clash.status == 409 and clash.code == 40910, clash.body
    db.session.expire_all()
    assert db.session.get(Section, world.section.id).grid_id == world.section.grid_id


def test_only_an_active_grid_of_the_same_community(world, admin):
    path = f"/api/v1/admin/sections/{world.section.id}"
    other = admin.post(f"/api/v1/admin/communities/{world.other_community.id}/grids",
                       {"name": "外社区网格"}).data["id"]
    assert admin.call("PATCH", path, json={"grid_id": other}).status == 422
    assert admin.call("PATCH", path, json={"grid_id": 2**31 - 1}).status == 422
    grid = _new_grid(world, admin)
    admin.call("PATCH", f"/api/v1/admin/grids/{grid.id}", json={"is_active": False})
    retired = admin.call("PATCH", path, json={"grid_id": grid.id})
    assert retired.status == 409 and retired.code == 40911
    committee = world.as_("demo-committee")
    assert committee.call("PATCH", path, json={"grid_id": grid.id}).status == 403
    db.session.expire_all()
    assert db.session.get(Section, world.section.id).grid_id == world.section.grid_id
