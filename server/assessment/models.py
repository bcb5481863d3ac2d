"""A street's quarterly grade of a department (one per street, department and quarter)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
