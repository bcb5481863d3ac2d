from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import UTCDateTime


class User(db.Model):
    """A person who logged in through WeChat (or was imported before they did).

    ``name``, ``phone`` and ``openid`` are personal data: never on a public page or in a log.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    nickname: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    # True when WeChat vouched for the number (getPhoneNumber); a typed number is not, and
    # never links the account to people imported by phone.
    phone_verified: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    home_community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    home_section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The account was deleted on its owner's request: personal data gone, history anonymous.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    @property
    def roles(self) -> list[str]:
        return sorted({g.role for g in self.grants})


class RoleGrant(db.Model):
    """A role held by a user; committee grants are scoped to one community, street grants
    to one street."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "community_id"),
        # Who sits on a community's committee, who staffs a street: a city holds hundreds of
        # thousands of resident and member grants and a few hundred scoped ones, so only
        # those are indexed (a scan of the rest took 26 ms a question at city scale).
        Index("ix_role_grants_community_id", "community_id",
              postgresql_where=text("community_id IS NOT NULL"),
              sqlite_where=text("community_id IS NOT NULL")),
        Index("ix_role_grants_street_id", "street_id",
              postgresql_where=text("street_id IS NOT NULL"),
              sqlite_where=text("street_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])


class RevokedToken(db.Model):
    """A revoked JWT, by ``jti``; a whole refresh family is revoked as ``family:<id>``."""

    __tablename__ = "revoked_tokens"
    __table_args__ = (Index("ix_revoked_tokens_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
