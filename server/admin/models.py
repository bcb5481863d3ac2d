from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.audit.models import AuditEntry as AuditEntry  # where it lived first
from server.extensions import db
from server.types import UTCDateTime


class Person(db.Model):
    """Someone the administration knows by name and phone, before (or after) they log in.

    Imported members and committee staff are people first. Their posts and committee seats
    wait here until the person is linked to a WeChat account (``user_id``), by phone or by an
    invitation code; linking turns them into team memberships and role grants.
    ``name`` and ``phone`` are personal data: never on a public page or in a log.

    A person belongs to the community whose committee (or import row) put them on record, and
    holds posts and seats of that community only: the same human serving two communities is
    two people, each linked to the same account. So no committee can reach another community's
    person, and linking grants nothing beyond the issuing community.
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("community_id", "phone"),
                      UniqueConstraint("community_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    posts: Mapped[list[PersonPost]] = relationship(
        back_populates="person", order_by="PersonPost.id", lazy="selectin"
    )
    seats: Mapped[list[CommitteeSeat]] = relationship(
        back_populates="person", order_by="CommitteeSeat.id", lazy="selectin"
    )


class PersonPost(db.Model):
    """A person's place on a duty team (the team's post, A or B, is the person's post)."""

    __tablename__ = "person_posts"
    __table_args__ = (UniqueConstraint("person_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(back_populates="posts")


class CommitteeSeat(db.Model):
    """A person's seat on a community's committee (社区两委), granted on linking."""

    __tablename__ = "committee_seats"
    __table_args__ = (UniqueConstraint("person_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(back_populates="seats")


class Invitation(db.Model):
    """A one-time code the committee hands to a person; redeeming it links their account."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()
