from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import UTCDateTime


class Registration(db.Model):
    """A party member's registration (报到) at their home community; once approved, their
    in-service profile there.

    ``name`` and ``phone`` are personal data: never on a public page or in a log.
    ``live`` is True while pending or approved and NULL otherwise, so that the unique
    constraint allows one live registration per person and community (NULLs never clash).
    """

    __tablename__ = "inservice_registrations"
    __table_args__ = (
        UniqueConstraint("user_id", "community_id", "live"),
        Index("ix_inservice_registrations_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    work_unit: Mapped[str] = mapped_column(String(100), index=True)
    party_branch: Mapped[str] = mapped_column(String(100))
    skills: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    live: Mapped[bool | None] = mapped_column(default=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    community = relationship("Community", lazy="joined")
    section = relationship("Section", lazy="joined")


class Evaluation(db.Model):
    """The committee's yearly evaluation (优秀 / 合格 / 基本合格 / 不合格) of one member."""

    __tablename__ = "inservice_evaluations"
    __table_args__ = (UniqueConstraint("registration_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("inservice_registrations.id"))
    year: Mapped[int]
    grade: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(String(500))
    evaluated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Activity(db.Model):
    """A service activity posted by a committee. ``taken`` counts live sign-ups and only
    moves through conditional UPDATEs, which is what enforces ``capacity`` under load."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_community_starts", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(2000))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int]
    taken: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float]
    place: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A cancelled activity takes no sign-up and credits no hours; its sign-ups stay as history.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(500))


class Signup(db.Model):
    """One person's place on an activity; attendance confirmed by the committee credits hours."""

    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attended: Mapped[bool] = mapped_column(default=False)
    hours: Mapped[float] = mapped_column(default=0.0)
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    activity: Mapped[Activity] = relationship(lazy="joined")


class Reminder(db.Model):
    """A quarterly reminder sent to one registration; makes the job once per member per quarter."""

    __tablename__ = "inservice_reminders"
    __table_args__ = (UniqueConstraint("registration_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("inservice_registrations.id"))
    quarter: Mapped[str] = mapped_column(String(7))  # e.g. 2026Q4
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
