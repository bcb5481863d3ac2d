"""What the WeChat services keep: the shared access token, subscribe credits, content checks
and the audit of unmasked phone reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.types import UTCDateTime


class AccessToken(db.Model):
    """The access token of one appid, shared by every process (the database token store)."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubscribeCredit(db.Model):
    """One-time subscribe-message credits: each acceptance in the mini-program adds one,
    each message sent through that template uses one."""

    __tablename__ = "wechat_subscribe_credits"
    __table_args__ = (UniqueConstraint("user_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    credits: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContentCheck(db.Model):
    """One content-security check of a text (a request's description or an event's note) or a
    photo. ``verdict`` stays empty until WeChat answers; the retry job picks up the rest."""

    __tablename__ = "wechat_content_checks"
    __table_args__ = (
        Index("ix_wechat_content_checks_due", "verdict", "next_attempt_at"),
        Index("ix_wechat_content_checks_request", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # text | media
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_events.id", ondelete="CASCADE"))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"),
                                                 index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scene: Mapped[int] = mapped_column(default=2)
    verdict: Mapped[str | None] = mapped_column(String(8))  # pass | review | risky | cleared
    label: Mapped[int | None]
    trace_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PhoneRead(db.Model):
    """An unmasked read of a resident's phone number: who read whose, about which request."""

    __tablename__ = "phone_reads"
    __table_args__ = (Index("ix_phone_reads_subject", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    relation: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
