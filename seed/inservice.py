"""Demo data of the in-service domain: ``demo-inservice`` is an approved in-service party
member of the demo community (idempotent: nothing is added the second time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.accounts.models import User
from server.extensions import db
from server.grid.models import Team
from server.inservice.enums import RegistrationStatus
from server.inservice.models import Registration

DEMO = {
    "openid": "demo-inservice",
    "name": "陈立新",
    "phone": "13900000007",  # a demo number, not a real person's
    "work_unit": "镇赉县财政局",
    "party_branch": "镇赉县财政局机关第一党支部",
    "skills": ["政策宣讲", "财务咨询"],
}


def load_inservice_demo(now: datetime) -> int:
    """Approve ``demo-inservice`` at their home section; returns the registrations created."""
    user = db.session.scalar(select(User).where(User.openid == DEMO["openid"]))
    if user is None or user.home_section_id is None:
        return 0
    exists = db.session.scalar(select(Registration.id).where(
        Registration.user_id == user.id, Registration.community_id == user.home_community_id))
    if exists is not None:
        return 0
    team = db.session.scalar(select(Team).where(Team.section_id == user.home_section_id))
    db.session.add(Registration(
        user_id=user.id, community_id=user.home_community_id, section_id=user.home_section_id,
        name=DEMO["name"], phone=DEMO["phone"], work_unit=DEMO["work_unit"],
        party_branch=DEMO["party_branch"], skills=DEMO["skills"],
        status=RegistrationStatus.APPROVED, live=True, team_id=team.id if team else None,
        created_at=now, reviewed_at=now,
    ))
    db.session.flush()
    return 1
