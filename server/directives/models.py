"""A task listed from above and its target communities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import UTCDateTime


class Directive(db.Model):
    """任务列单: what is to be done, by when, in which communities; who listed it (``level``:
    county, street or committee)."""

    __tablename__ = "directives"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(16))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    is_public: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    targets: Mapped[list[DirectiveTarget]] = relationship(
        back_populates="directive", order_by="DirectiveTarget.id", lazy="selectin")


class DirectiveTarget(db.Model):
    """责任上单: one community of a task, the team or member its committee put on it, and the
    request that carries the work (none until someone is named)."""

    __tablename__ = "directive_targets"
    __table_args__ = (UniqueConstraint("directive_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directives.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    designated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    directive: Mapped[Directive] = relationship(back_populates="targets")
