"""Warning rules (亮牌规则) as data and the cards (亮牌) they issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import UTCDateTime


class CardRule(db.Model):
    """One warning rule: a ``kind`` (server.cards.enums.Kind) with its thresholds in
    ``params``, the holder ``level``, the card's colour, the window it looks back over, how long
    its cards last, and whether a team's card shows on the public community page."""

    __tablename__ = "card_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    colour: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict] = mapped_column(JSON)
    window_days: Mapped[int]
    expiry_days: Mapped[int]
    public: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Card(db.Model):
    """A card issued to a team, a member or a community by a rule for a period: one per
    (rule, holder, period), whoever runs the job and however often."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("rule_id", "holder_id", "period"),
        Index("ix_cards_holder", "level", "holder_id"),
        Index("ix_cards_community", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("card_rules.id"))
    level: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[int]  # a team, a user or a community, by ``level``
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    period: Mapped[str] = mapped_column(String(32))
    colour: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="active")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    appeal_reason: Mapped[str | None] = mapped_column(String(500))
    appealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    rule: Mapped[CardRule] = relationship(lazy="joined")
