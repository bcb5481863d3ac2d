from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.requests.models import Request
from server.types import UTCDateTime


class WeeklyReport(db.Model):
    """The figures of one community for one local week (每周会商), frozen when the week ended.

    ``figures`` holds the community's figures and the same by grid, team and member (by id),
    as ``Figures.to_dict`` writes them, so that history survives later changes of requests.
    """

    __tablename__ = "sunlight_weekly_reports"
    __table_args__ = (UniqueConstraint("community_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    week_start: Mapped[datetime] = mapped_column(UTCDateTime())
    week_end: Mapped[datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PublicRendering(db.Model):
    """A public page as it was last rendered, shared by every web worker and kept fresh by the
    scheduler while people read it (``server.sunlight.boardcache``). Public by construction:
    the bytes the page sends to anyone, and how to ask for it again."""

    __tablename__ = "public_renderings"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    path: Mapped[str] = mapped_column(String(600))  # path and query string, to render it again
    accept: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(300))  # what it was rendered from
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(100))
    mimetype: Mapped[str] = mapped_column(String(100))


# The figures read a community's requests by submission time; declared here, beside the
# queries that need it, it still belongs to the ``requests`` table.
Index("ix_requests_community_submitted", Request.community_id, Request.submitted_at)
