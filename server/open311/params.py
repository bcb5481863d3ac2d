"""Parsing Open311 parameters. Every failure is a domain error that the face turns into the
spec's ``errors`` body with status 400 (a field per ``error``).

Real clients send empty values for absent ones (``jurisdiction_id=``): an empty value is
the same as none. POST bodies are validated strictly: an unknown field or attribute is a
400. Unknown query parameters of GET methods are ignored (cache busters are common).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from werkzeug.datastructures import MultiDict

from server import clock
from server.errors import BadRequest
from server.http import MAX_ID, StrictSchema

MAX_DAYS = 90
MAX_RESULTS = 1000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")


def _bad(field: str, message: str) -> BadRequest:
    return BadRequest(f"参数 {field} 无效", errors={field: [message]})


class PostIn(StrictSchema):
    """The form of POST requests, without ``api_key`` and the ``attribute[…]`` fields."""

    jurisdiction_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    service_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    lat = ma.fields.Float(load_default=None, validate=ma.validate.Range(-90, 90))
    long = ma.fields.Float(load_default=None, validate=ma.validate.Range(-180, 180))
    address_string = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    address_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    email = ma.fields.Email(load_default=None, validate=ma.validate.Length(max=254))
    device_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=128))
    account_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=128))
    first_name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    last_name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    phone = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    description = ma.fields.String(load_default=None, validate=ma.validate.Length(max=4000))
    media_url = ma.fields.Url(load_default=None, schemes={"http", "https"},
                              validate=ma.validate.Length(max=500))

    @ma.validates("description")
    def _no_html(self, value, **kwargs):
        if value and _HTML.search(value):
            raise ma.ValidationError("HTML is not allowed")

    @ma.validates_schema
    def _both_coordinates(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("long") is None):
            raise ma.ValidationError("lat and long go together", field_name="lat")


@dataclass(frozen=True)
class Posted:
    fields: dict
    attributes: dict[str, list[str]]


def post_form(form: MultiDict) -> Posted:
    """Split the form into fields and ``attribute[CODE]`` values; empty values are absent."""
    fields: dict = {}
    attributes: dict[str, list[str]] = {}
    for name, values in form.lists():
        values = [v for v in values if v != ""]
        if not values or name == "api_key":
            continue
        match = _ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).extend(values)
        elif len(values) > 1:
            raise _bad(name, "given more than once")
        else:
            fields[name] = values[0]
    try:
        loaded = PostIn().load(fields)
    except ma.ValidationError as error:
        raise BadRequest("参数校验失败", errors=error.messages) from None
    return Posted(loaded, attributes)


def optional(args: MultiDict, name: str) -> str | None:
    value = args.get(name)
    return value if value not in (None, "") else None


def comma_list(args: MultiDict, name: str, *, max_items: int = MAX_RESULTS) -> list[str] | None:
    value = optional(args, name)
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if len(items) > max_items or any(len(v) > 64 for v in items):
        raise _bad(name, f"at most {max_items} values of 64 characters")
    return items or None


def statuses(args: MultiDict) -> set[str] | None:
    items = comma_list(args, "status", max_items=2)
    if items is None:
        return None
    if not set(items) <= {"open", "closed"}:
        raise _bad("status", "must be open or closed")
    return set(items)


def moment(args: MultiDict, name: str) -> datetime | None:
    """A W3C datetime; a date or a time without an offset is read in the local time zone."""
    value = optional(args, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "+") if "T" in value else value)
    except ValueError:
        raise _bad(name, "not a W3C datetime such as 2026-11-23T09:00:00+08:00") from None
    if not clock.in_calendar(parsed):
        raise _bad(name, f"must lie between {clock.EARLIEST.year} and {clock.LATEST.year - 1}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return parsed


def window(args: MultiDict, now: datetime) -> tuple[datetime, datetime]:
    """``start_date``/``end_date``: default the last 90 days; a wider range is a 400."""
    start, end = moment(args, "start_date"), moment(args, "end_date")
    span = timedelta(days=MAX_DAYS)
    if start is None and end is None:
        return now - span, now
    if start is None:
        start = end - span
    if end is None:
        end = min(start + span, max(now, start))
    if end < start:
        raise _bad("end_date", "must not be before start_date")
    if end - start > span:
        raise _bad("end_date", f"the range may not exceed {MAX_DAYS} days")
    return start, end


def page(args: MultiDict) -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (at most 1000), the common extension."""
    numbers = []
    for name, default, top in (("page", 1, MAX_ID), ("page_size", MAX_RESULTS, MAX_RESULTS)):
        value = optional(args, name)
        if value is None:
            numbers.append(default)
            continue
        digits = value.isascii() and value.isdigit() and len(value) <= 10
        if not digits or not 1 <= int(value) <= top:
            raise _bad(name, f"must be a whole number from 1 to {top}")
        numbers.append(int(value))
    return numbers[0], numbers[1]


def idempotency_key(headers) -> str | None:
    """The ``Idempotency-Key`` header: printable ASCII, 1 to 128 characters."""
    value = headers.get("Idempotency-Key")
    if value is None:
        return None
    value = value.strip()
    if not 1 <= len(value) <= 128 or not all("\x21" <= c <= "\x7e" for c in value):
        raise _bad("Idempotency-Key", "1 to 128 printable ASCII characters")
    return value


def near(args: MultiDict) -> tuple[float, float, float] | None:
    """``lat``, ``long`` and ``radius`` (metres, default ``NEARBY_DEFAULT_M``, at most
    ``NEARBY_MAX_M``): the common extension for requests around a point, WGS-84."""
    lat, lng, radius = optional(args, "lat"), optional(args, "long"), optional(args, "radius")
    if lat is None and lng is None and radius is None:
        return None
    if lat is None or lng is None:
        raise _bad("lat", "lat and long go together")
    values = []
    for name, value, low, high in (("lat", lat, -90, 90), ("long", lng, -180, 180),
                                   ("radius", radius, 1, current_app.config["NEARBY_MAX_M"])):
        if value is None:
            values.append(float(current_app.config["NEARBY_DEFAULT_M"]))
            continue
        try:
            number = float(value)
        except ValueError:
            raise _bad(name, "not a number") from None
        if not (low <= number <= high):  # also refuses nan
            raise _bad(name, f"must be from {low} to {high}")
        values.append(number)
    return values[0], values[1], values[2]
