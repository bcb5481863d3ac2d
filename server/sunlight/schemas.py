"""Arguments of the public list, shared by the HTML pages and their JSON twins."""

from __future__ import annotations

import marshmallow as ma

from server.http import StrictSchema
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
