from __future__ import annotations

import marshmallow as ma


class SectionOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class GridOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    sections = ma.fields.Method("active_sections")

    def active_sections(self, grid):
        return SectionOut(many=True).dump([s for s in grid.sections if s.is_active])


class CommunityOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    street_id = ma.fields.Integer(allow_none=True)
    district = ma.fields.String(allow_none=True, metadata={"description": "its street's name"})


class CommunityDetailOut(CommunityOut):
    grids = ma.fields.Method("active_grids")

    def active_grids(self, community):
        return GridOut(many=True).dump([g for g in community.grids if g.is_active])


class CategoryOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    accept_minutes = ma.fields.Integer(metadata={"description": "minutes to accept (接单时限)"})
    resolve_hours = ma.fields.Integer(metadata={"description": "hours to resolve (限时办结)"})
    dispatch_order = ma.fields.Function(lambda c: c.dispatch_order.split(","))
