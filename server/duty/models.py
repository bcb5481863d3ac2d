from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.types import UTCDateTime


class Shift(db.Model):
    """A weekly duty shift (值班) of one team member, in the deployment's local time.

    ``weekday`` is 0 (Monday) to 6; minutes count from local midnight, ``end_minute`` up to
    1440. A shift across midnight is two rows. A team with no shift at all has no roster yet
    and counts as always on duty, so that a roster is opt-in per team.
    """

    __tablename__ = "duty_shifts"
    __table_args__ = (
        Index("ix_duty_shifts_team_weekday", "team_id", "weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
        CheckConstraint("start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440",
                        name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Leave(db.Model):
    """A leave period (请假): the member is off duty in every team from ``starts_at`` to
    ``ends_at`` unless it was cancelled."""

    __tablename__ = "duty_leaves"
    __table_args__ = (Index("ix_duty_leaves_user_ends", "user_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Department(db.Model):
    """A functional department (职能部门) the committee can blow the whistle to."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    response_hours: Mapped[int] = mapped_column(default=72)
    is_active: Mapped[bool] = mapped_column(default=True)
