from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.types import UTCDateTime


class PlaceVersion(db.Model):
    """A token that changes whenever boundaries change. Every worker compares it with the
    token its in-process index was built from (one primary-key read) and rebuilds on a
    difference. A random token, not a counter: a database emptied and filled again never
    repeats an old value."""

    __tablename__ = "place_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
