"""Above the community: a street's quarterly grade of a department, the 包保 units that answer
for a community, and a street's weekly meeting packs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.types import UTCDateTime


class DepartmentGrade(db.Model):
    __tablename__ = "department_grades"
    __table_args__ = (UniqueConstraint("street_id", "department_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # 2026-Q4
    grade: Mapped[str] = mapped_column(String(16))  # one of DEPARTMENT_GRADES
    comment: Mapped[str | None] = mapped_column(String(500))
    graded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Guarantor(db.Model):
    """A 包保 unit of a community: the department (or other unit) that answers for it, and its
    responsible leader (包保领导), from ``starts_on`` to ``ends_on`` (open when null)."""

    __tablename__ = "guarantors"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    unit_name: Mapped[str] = mapped_column(String(64))
    leader_name: Mapped[str] = mapped_column(String(32))
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingPack(db.Model):
    """A street's weekly meeting pack (每周会商), stored once per street and week."""

    __tablename__ = "meeting_packs"
    __table_args__ = (UniqueConstraint("street_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    week_start: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
