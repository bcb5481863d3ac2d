"""Arguments of the public list, shared by the HTML pages and their JSON twins."""

from __future__ import annotations

from datetime import datetime

import marshmallow as ma

from server import clock
from server.http import MAX_ID, StrictSchema
from server.requests.enums import Status
from server.requests.lights import Light


class PublicListArgs(StrictSchema):
    """Public links are shared in WeChat groups, which append their own parameters
    (``from=``, ``isappinstalled=``): unknown parameters are ignored here, not refused."""

    class Meta:
        unknown = ma.EXCLUDE

    grid_id = ma.fields.Integer(load_default=None, allow_none=True,
                                validate=ma.validate.Range(min=1, max=2**31 - 1))
    category = ma.fields.String(load_default=None, allow_none=True,
                                validate=ma.validate.Length(max=32))
    status = ma.fields.String(load_default=None, allow_none=True,
                              validate=ma.validate.OneOf([s.value for s in Status]))
    light = ma.fields.String(load_default=None, allow_none=True,
                             validate=ma.validate.OneOf([x.value for x in Light]))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=50))


def _in_calendar(value) -> bool:
    if not clock.in_calendar(datetime(value.year, value.month, value.day)):
        raise ma.ValidationError(f"must lie between {clock.EARLIEST.year} and {clock.LATEST.year - 1}")
    return True


MONTH = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"


class RankingWindowArgs(StrictSchema):
    """The window of a ranking: a month, or local days ``start``..``end``; default: this month.

    Public links are shared in WeChat groups: unknown parameters are ignored, as on the list."""

    class Meta:
        unknown = ma.EXCLUDE

    month = ma.fields.String(load_default=None, validate=ma.validate.Regexp(
        MONTH, error="a month such as 2026-12"), metadata={"description": "YYYY-MM (local)"})
    start = ma.fields.Date(load_default=None, validate=_in_calendar,
                           metadata={"description": "first local day", "pattern": r"^20[0-9]{2}-"})
    end = ma.fields.Date(load_default=None, validate=_in_calendar,
                         metadata={"description": "last local day, included",
                                   "pattern": r"^20[0-9]{2}-"})


class RankingArgs(RankingWindowArgs):
    """The staff's rankings: unknown parameters are refused, as everywhere in the staff API."""

    class Meta:
        unknown = ma.RAISE

    level = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["county", "street"]),
                             metadata={"description": "default: street for street staff, "
                                                      "county for the county centre and admins"})
    street_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "with level=street (street staff: "
                                                           "their own; default their first)"})
