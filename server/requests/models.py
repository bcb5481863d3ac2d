from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from server.duty.models import Department
from server.extensions import db
from server.requests.enums import NOT_FROM_RESIDENTS, TASK
from server.types import UTCDateTime


def from_residents():
    """SQL: requests of residents and partner systems, not members' patrol reports nor top-down
    tasks."""
    return Request.channel.not_in(NOT_FROM_RESIDENTS)


def on_public_pages():
    """SQL: what the sunlight list may show: residents' requests (each as its own ``public``
    flag allows) and the public top-down tasks with their results (成绩晒单); never patrol
    reports."""
    return or_(from_residents(), and_(Request.channel == TASK, Request.public.is_(True)))


class Request(db.Model):
    """A resident's request. Only ``server.requests.workflow`` changes ``status``.

    ``address`` and ``resident_id`` are personal; public faces use ``no``, never ``id``.
    """

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_team_status", "team_id", "status"),
        Index("ix_requests_resident", "resident_id", "id"),
        Index("ix_requests_community_status", "community_id", "status"),
        Index("ix_requests_accept_deadline", "status", "accept_deadline"),
        Index("ix_requests_status_yellow_at", "status", "yellow_at"),
        Index("ix_requests_status_resolve_deadline", "status", "resolve_deadline"),
        # From the benchmark's query plans (docs/bench.md): a community's list newest first,
        # the board cache's version, all communities' window.
        Index("ix_requests_community_id", "community_id", "id"),
        Index("ix_requests_community_updated", "community_id", "updated_at"),
        Index("ix_requests_submitted", "submitted_at"),
        # A member's inbox, newest first: the dispatched requests only. Without it the planner
        # walked the whole table backwards by id for any member with less than a page of work
        # (26 ms at county scale, most members; 2 ms with it).
        Index("ix_requests_status_id", "status", "id"),
        # Nearby requests (server.place.cells): the cells around a point, open ones only.
        Index("ix_requests_cell_status", "cell", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(32), default="miniprogram")
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    # The point in WGS-84, and what the client sent (``sent_*`` in ``coord_system``). Personal
    # data: never public, never logged, cleared by retention. ``cell`` is the coarse cell of
    # the point that indexes nearby queries (server.place.cells).
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    coord_system: Mapped[str | None] = mapped_column(String(8))
    sent_lat: Mapped[float | None]
    sent_lng: Mapped[float | None]
    cell: Mapped[int | None] = mapped_column(BigInteger)
    # Metres between the point and the section the resident named, when it lies outside it
    # beyond ``PLACE_MISMATCH_M``: the committee is shown this rather than trusting either.
    place_mismatch_m: Mapped[int | None]
    # "Me too" (附议): residents backing this request; a merged duplicate names its original.
    support_count: Mapped[int] = mapped_column(default=0, server_default="0")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))
    hop: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    accept_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the light turns yellow (a share of the resolve time); set with resolve_deadline.
    yellow_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Content security (server.requests.content): public only when "pass".
    moderation: Mapped[str] = mapped_column(String(8), default="pass", server_default="pass")
    version: Mapped[int] = mapped_column(default=1)
    # Set by the retention sweep (server.retention) once personal data has been removed.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    category = relationship("Category", lazy="joined")
    events: Mapped[list[Event]] = relationship(
        back_populates="request", order_by="Event.id", lazy="selectin"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="request", order_by="Photo.id", lazy="selectin"
    )
    ratings: Mapped[list[Rating]] = relationship(order_by="Rating.cycle", lazy="selectin")


class Event(db.Model):
    """One step of a request's timeline. Append-only: rows are never updated or deleted, and
    database triggers (migration 0010) refuse UPDATE and DELETE on this table. Its free text
    lives in ``EventNote``, which retention can erase without touching the event."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    request: Mapped[Request] = relationship(back_populates="events")
    note_row: Mapped[EventNote | None] = relationship(lazy="joined", uselist=False)

    @property
    def note(self) -> str | None:
        """The note as written, or None once retention erased it."""
        return self.note_row.text if self.note_row is not None else None


class EventNote(db.Model):
    """The free text of one timeline event (a reason, a progress note, a comment), kept apart
    from the append-only event so that retention can erase the personal data it may hold
    (``text`` becomes NULL, ``erased_at`` says when) while the event row never changes."""

    __tablename__ = "request_event_notes"

    event_id: Mapped[int] = mapped_column(ForeignKey("request_events.id"), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Photo(db.Model):
    """An uploaded image, re-encoded without metadata, stored under a random name."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("request_events.id"))
    filename: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Content security (server.requests.content): public only once WeChat said "pass".
    moderation: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")

    request: Mapped[Request | None] = relationship(back_populates="photos")


def url_for_photo(photo: Photo) -> str:
    return f"/media/{photo.filename}"


class Rating(db.Model):
    """The resident's verdict on one cycle of work (a reopen starts a new cycle)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("request_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    cycle: Mapped[int]
    resolved: Mapped[bool]
    satisfaction: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RequestCounter(db.Model):
    """The daily sequence behind public numbers like ``QS-20261123-0007``."""

    __tablename__ = "request_counters"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int]


class IdempotencyKey(db.Model):
    """The first response to a keyed submission, replayed for retries of the same body."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    body_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None]
    response_body: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Whistle(db.Model):
    """One whistle (吹哨) for a request: the department, its deadline, its report-back (报到)
    and response. Overdue while open and past ``deadline``."""

    __tablename__ = "whistles"
    __table_args__ = (Index("ix_whistles_open_deadline", "responded_at", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_note: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response: Mapped[str | None] = mapped_column(Text)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship(lazy="joined")
    request = relationship(
        "Request", backref=backref("whistles", order_by="Whistle.id", lazy="selectin")
    )


class LightAlert(db.Model):
    """A light warning already sent for one cycle of a request (a reopen starts a new cycle):
    the unique key makes yellow and red notify once each, however often the sweep runs."""

    __tablename__ = "light_alerts"
    __table_args__ = (UniqueConstraint("request_id", "cycle", "light"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    cycle: Mapped[int]
    light: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class DetailRead(db.Model):
    """A staff read of a request's exact address, point or photos: who, which request, in what
    standing. The first read of each viewer, request and local day is kept (a desk that reloads
    adds nothing); unmasked phone reads are ``PhoneRead``."""

    __tablename__ = "request_detail_reads"
    __table_args__ = (UniqueConstraint("viewer_id", "request_id", "day"),
                      Index("ix_request_detail_reads_request", "request_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(8))  # local date, YYYYMMDD
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Support(db.Model):
    """A resident backing someone else's request ("me too", 附议): they follow it like its
    owner; the request counts once in every figure whatever its supporters."""

    __tablename__ = "request_supports"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
