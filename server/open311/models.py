from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import UTCDateTime


class ApiKey(db.Model):
    """A partner's key for posting requests. Only a SHA-256 hash of the key is stored.

    ``name`` is the partner; posted requests record ``open311:<name>`` as their channel.
    A partner may hold several keys at once (rotation: create the new one, revoke the old).
    """

    __tablename__ = "open311_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(24), index=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown by `keys list` to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    returns_tokens: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Written first by every POST: the row lock that serialises one key's posts (open cap).
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Submission(db.Model):
    """How a request came in through Open311: the partner's key and the token it was given."""

    __tablename__ = "open311_submissions"
    __table_args__ = (Index("uq_open311_submissions_idempotency", "api_key_id", "idempotency_key",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("open311_api_keys.id"), index=True)
    token: Mapped[str] = mapped_column(String(48), unique=True)
    # A partner's own picture of the problem; kept for staff, never fetched or published.
    media_url: Mapped[str | None] = mapped_column(String(500))
    # The partner's ``Idempotency-Key`` and a hash of what it posted: a retry gets the first
    # answer instead of a second request.
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    request = relationship("Request", lazy="joined")


class Requester(db.Model):
    """The requester's contact fields as the partner sent them: personal data.

    Never published, never logged; anonymised by the ``open311.anonymise_requesters`` job
    once the request has been finished for ``OPEN311_CONTACT_RETENTION_DAYS``.
    """

    __tablename__ = "open311_requesters"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    first_name: Mapped[str | None] = mapped_column(String(64))
    last_name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    device_id: Mapped[str | None] = mapped_column(String(128))
    account_id: Mapped[str | None] = mapped_column(String(128))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
