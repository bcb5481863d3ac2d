"""Duty reference and demo data: the department registry (职能部门) and a weekly roster that
puts every demo team member on duty around the clock, so that dispatch and escalation have
someone to reach. Idempotent like the rest of the seed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select

from server.duty.models import Department, Shift
from server.extensions import db
from server.grid.models import Team, TeamMember

HERE = Path(__file__).parent


def load_departments() -> int:
    created = 0
    for item in json.loads((HERE / "departments.json").read_text("utf-8")):
        if db.session.scalar(select(Department).where(Department.code == item["code"])) is None:
            db.session.add(Department(**item))
            created += 1
    db.session.flush()
    return created


def load_demo_roster(now: datetime, community_ids: list[int]) -> int:
    """Every active member of the given communities' teams on duty all week (00:00–24:00),
    for members who have no shift in that team yet."""
    members = db.session.execute(
        select(TeamMember.team_id, TeamMember.user_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.community_id.in_(community_ids), TeamMember.is_active.is_(True),
               ~exists().where(Shift.team_id == TeamMember.team_id,
                               Shift.user_id == TeamMember.user_id))
    ).all()
    for team_id, user_id in members:
        db.session.add_all([Shift(team_id=team_id, user_id=user_id, weekday=day, start_minute=0,
                                  end_minute=1440, created_at=now) for day in range(7)])
    db.session.flush()
    return len(members) * 7


def load_duty_demo(now: datetime, community_ids: list[int]) -> dict:
    return {"departments": load_departments(), "shifts": load_demo_roster(now, community_ids)}
