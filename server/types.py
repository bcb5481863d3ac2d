"""Column types shared by every domain."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC on every database.

    SQLite has no time zones: without this, values come back naive and compare wrongly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        tzinfo = value.tzinfo
        if tzinfo is UTC:  # PostgreSQL sessions run in UTC (``server._engine_options``)
            return value
        if tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
