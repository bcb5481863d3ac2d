"""Helpers of the in-service tests: registering, approving and posting activities via HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.accounts.enums import Role
from server.accounts.models import RoleGrant, User
from server.extensions import db


def registration_body(world, **overrides) -> dict:
    return {"name": "张卫东", "work_unit": "镇赉县财政局", "party_branch": "财政局机关第一党支部",
            "community_id": world.community.id, "section_id": world.section.id,
            "skills": ["政策宣讲"], "phone": "13912345678", **overrides}


def register(world, openid: str, **overrides):
    return world.as_(openid).post("/api/v1/inservice/registrations",
                                  registration_body(world, **overrides))


def approved(world, openid: str, **overrides) -> dict:
    """A registration approved by the demo committee; returns it."""
    created = register(world, openid, **overrides)
    assert created.status == 201, created.body
    approval = world.as_("demo-committee").post(
        f"/api/v1/inservice/registrations/{created.data['id']}/approve")
    assert approval.status == 200, approval.body
    return approval.data


def post_activity(world, *, committee: str = "demo-committee", **overrides):
    now = world.clock.now()
    body = {"title": "清理小区楼道杂物", "community_id": world.community.id,
            "starts_at": (now + timedelta(days=2)).isoformat(),
            "ends_at": (now + timedelta(days=2, hours=3)).isoformat(),
            "capacity": 5, "hours": 3, "description": "请自带手套", **overrides}
    return world.as_(committee).post("/api/v1/activities", body)


def make_activity(world, **overrides) -> dict:
    response = post_activity(world, **overrides)
    assert response.status == 201, response.body
    return response.data


@pytest.fixture
def other_committee(world):
    """``other-committee`` sits on the committee of the second community only."""
    user = User(openid="other-committee", nickname="外社区书记", created_at=world.clock.now())
    user.grants.append(RoleGrant(role=Role.RESIDENT, created_at=world.clock.now()))
    user.grants.append(RoleGrant(role=Role.COMMITTEE, community_id=world.other_community.id,
                                 created_at=world.clock.now()))
    db.session.add(user)
    db.session.commit()
    world.users["other-committee"] = user
    return "other-committee"
