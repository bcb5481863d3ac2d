"""Fields shared by the API's schemas."""

from __future__ import annotations

from datetime import datetime

import marshmallow as ma

from server import clock
from server.http import MAX_ID


class LocalDateTime(ma.fields.DateTime):
    """ISO 8601 with the deployment's offset (+08:00 in China)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else clock.local_iso(value, clock.local_zone())


def Id(**kwargs) -> ma.fields.Integer:  # noqa: N802 - reads like a field class
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def QueryId(**kwargs) -> ma.fields.Integer:  # noqa: N802
    """An id in a query string: digits arrive as text, so not strict (``Id`` is, for JSON)."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def _in_calendar(value) -> bool:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not clock.in_calendar(value):
        raise ma.ValidationError(f"must lie between {clock.EARLIEST.year} and {clock.LATEST.year - 1}")
    return True


# The calendar as the OpenAPI document states it, so that clients (and the fuzzer) know it.
_CALENDAR_PATTERN = r"^20[0-9]{2}-"


def _calendar_metadata(kwargs: dict) -> dict:
    return {"pattern": _CALENDAR_PATTERN, **kwargs.pop("metadata", {})}


def Day(**kwargs) -> ma.fields.Date:  # noqa: N802
    """A calendar day the product can mean (2000–2099)."""
    return ma.fields.Date(validate=_in_calendar, metadata=_calendar_metadata(kwargs), **kwargs)


def Moment(**kwargs) -> ma.fields.AwareDateTime:  # noqa: N802
    """An instant with its offset, within the product's calendar (2000–2099)."""
    return ma.fields.AwareDateTime(validate=_in_calendar, metadata=_calendar_metadata(kwargs),
                                   **kwargs)


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> ma.fields.String:  # noqa: N802
    return ma.fields.String(validate=ma.validate.Length(min=min_length, max=max_length), **kwargs)
