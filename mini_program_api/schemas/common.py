"""Fields shared by the API's schemas."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app

from server.http import MAX_ID


class LocalDateTime(ma.fields.DateTime):
    """ISO 8601 with the deployment's offset (+08:00 in China)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).isoformat()


def Id(**kwargs) -> ma.fields.Integer:  # noqa: N802 - reads like a field class
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def QueryId(**kwargs) -> ma.fields.Integer:  # noqa: N802
    """An id in a query string: digits arrive as text, so not strict (``Id`` is, for JSON)."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> ma.fields.String:  # noqa: N802
    return ma.fields.String(validate=ma.validate.Length(min=min_length, max=max_length), **kwargs)
