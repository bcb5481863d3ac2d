"""Output schemas of the sunlight list and the stats. Public ones mirror the whitelist of
``server.sunlight.public``: a field not listed here is not sent."""

from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.common import Day, LocalDateTime
from server.http import StrictSchema
from server.sunlight.figures import CHANNELS, GROUPS

Rate = ma.fields.Float(allow_none=True)


class FiguresOut(ma.Schema):
    total = ma.fields.Integer()
    dispatched = ma.fields.Integer()
    responded = ma.fields.Integer()
    rated = ma.fields.Integer()
    rated_resolved = ma.fields.Integer()
    rated_satisfied = ma.fields.Integer()
    closed = ma.fields.Integer()
    closed_on_time = ma.fields.Integer()
    open_overdue = ma.fields.Integer()
    response_rate = ma.fields.Float(allow_none=True, metadata={"description": "响应率"})
    resolution_rate = ma.fields.Float(allow_none=True, metadata={"description": "解决率"})
    satisfaction_rate = ma.fields.Float(allow_none=True, metadata={"description": "满意率"})
    on_time_rate = ma.fields.Float(allow_none=True, metadata={"description": "按时办结率"})
    median_accept_minutes = ma.fields.Float(allow_none=True)
    median_resolve_minutes = ma.fields.Float(allow_none=True)
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    by_light = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class WindowOut(ma.Schema):
    start = ma.fields.String()
    end = ma.fields.String()


class PublicCommunityOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    district = ma.fields.String(allow_none=True)
    figures = ma.fields.Nested(FiguresOut)


class PublicCommunitiesOut(ma.Schema):
    window = ma.fields.Nested(WindowOut)
    items = ma.fields.List(ma.fields.Nested(PublicCommunityOut))


class RatingPublicOut(ma.Schema):
    resolved = ma.fields.Boolean()
    satisfaction = ma.fields.String()
    label = ma.fields.String()


class PublicRequestOut(ma.Schema):
    no = ma.fields.String()
    category = ma.fields.String()
    grid = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    light = ma.fields.String(allow_none=True)
    light_label = ma.fields.String(allow_none=True)
    submitted_at = ma.fields.String()
    accepted_at = ma.fields.String(allow_none=True)
    closed_at = ma.fields.String(allow_none=True)
    team = ma.fields.String(allow_none=True)
    handler = ma.fields.String(allow_none=True, metadata={"description": "masked name, 王*"})
    description = ma.fields.String(allow_none=True,
                                   metadata={"description": "only when public; redacted"})
    rating = ma.fields.Nested(RatingPublicOut, allow_none=True)
    reopen_count = ma.fields.Integer()
    supporters = ma.fields.Integer(metadata={"description": "residents who said \"me too\" (附议)"})


class PublicStepOut(ma.Schema):
    action = ma.fields.String()
    label = ma.fields.String()
    at = ma.fields.String()
    by = ma.fields.String()
    department = ma.fields.String(allow_none=True)
    result = ma.fields.String(allow_none=True)
    photos = ma.fields.List(ma.fields.String())


class CommunityRefOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    district = ma.fields.String(allow_none=True)


class PublicRequestDetailOut(PublicRequestOut):
    community = ma.fields.Nested(CommunityRefOut)
    timeline = ma.fields.List(ma.fields.Nested(PublicStepOut))


class TeamRankOut(ma.Schema):
    rank = ma.fields.Integer()
    team = ma.fields.String()
    post = ma.fields.String(allow_none=True)
    figures = ma.fields.Nested(FiguresOut)


class MemberRankOut(ma.Schema):
    rank = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "masked name, 王*"})
    team = ma.fields.String()
    figures = ma.fields.Nested(FiguresOut)


class DailyOut(ma.Schema):
    day = ma.fields.String()
    count = ma.fields.Integer()


class WeeklyOut(ma.Schema):
    week_start = ma.fields.String()
    total = ma.fields.Integer()
    response_rate = Rate
    resolution_rate = Rate
    satisfaction_rate = Rate
    on_time_rate = Rate


class GridRefOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class CategoryNameOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class FiltersOut(ma.Schema):
    grids = ma.fields.List(ma.fields.Nested(GridRefOut))
    categories = ma.fields.List(ma.fields.Nested(CategoryNameOut))


class PublicRequestPageOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PublicRequestOut))
    next_cursor = ma.fields.String(allow_none=True)


class PublicCardOut(ma.Schema):
    team = ma.fields.String()
    colour = ma.fields.String(metadata={"description": "yellow | red"})
    label = ma.fields.String(metadata={"description": "黄牌 | 红牌"})
    rule = ma.fields.String(metadata={"description": "the warning rule's name"})
    issued_on = ma.fields.String()
    expires_on = ma.fields.String()


class SunlightOut(ma.Schema):
    community = ma.fields.Nested(CommunityRefOut)
    window = ma.fields.Nested(WindowOut)
    figures = ma.fields.Nested(FiguresOut)
    teams = ma.fields.List(ma.fields.Nested(TeamRankOut))
    members = ma.fields.List(ma.fields.Nested(MemberRankOut))
    daily = ma.fields.List(ma.fields.Nested(DailyOut))
    weekly = ma.fields.List(ma.fields.Nested(WeeklyOut))
    filters = ma.fields.Nested(FiltersOut)
    cards = ma.fields.List(ma.fields.Nested(PublicCardOut), metadata={
        "description": "standing warning cards (亮牌) of the community's teams whose rule is "
                       "public; a member's card is never public"})
    requests = ma.fields.Nested(PublicRequestPageOut)


# --- committee stats ---------------------------------------------------------------------


class StatsArgs(StrictSchema):
    community_id = ma.fields.Integer(load_default=None,
                                     validate=ma.validate.Range(min=1, max=2**31 - 1))
    group = ma.fields.String(load_default="community", validate=ma.validate.OneOf(list(GROUPS)))
    start = Day(load_default=None, metadata={"description": "first local day"})
    end = Day(load_default=None, metadata={"description": "last local day, included"})
    channel = ma.fields.String(load_default="resident", validate=ma.validate.OneOf(CHANNELS),
                               metadata={"description": "resident: residents' requests (the "
                                         "default); patrol: members' patrol reports (巡查上报)"})


class ExportArgs(StatsArgs):
    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(["xlsx", "csv"]))


class StatsItemOut(FiguresOut):
    key = ma.fields.Integer(allow_none=True, metadata={"description": "id of the group; null: all"})
    name = ma.fields.String()


class StatsOut(ma.Schema):
    community_id = ma.fields.Integer(allow_none=True)
    group = ma.fields.String()
    channel = ma.fields.String()
    start = ma.fields.String()
    end = ma.fields.String()
    generated_at = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(StatsItemOut))


class WeeklyReportArgs(StrictSchema):
    community_id = ma.fields.Integer(load_default=None,
                                     validate=ma.validate.Range(min=1, max=2**31 - 1))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class WeeklyReportOut(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    week_start = LocalDateTime()
    week_end = LocalDateTime()
    figures = ma.fields.Dict()
    created_at = LocalDateTime()


class MapArgs(StrictSchema):
    level = ma.fields.String(load_default="section", validate=ma.validate.OneOf(
        ["section", "grid", "community"]), metadata={"description": "one feature per section "
        "(default), per grid (the union of its sections) or for the whole community"})


class MapPropertiesOut(ma.Schema):
    section_id = ma.fields.Integer(metadata={"description": "level=section"})
    grid_id = ma.fields.Integer(metadata={"description": "level=section or grid"})
    community_id = ma.fields.Integer(metadata={"description": "level=community"})
    name = ma.fields.String()
    grid = ma.fields.String()
    open = ma.fields.Integer(metadata={"description": "open requests"})
    green = ma.fields.Integer()
    yellow = ma.fields.Integer()
    red = ma.fields.Integer()
    light = ma.fields.String(metadata={"description": "worst light: red, yellow, green, or none"})


class MapFeatureOut(ma.Schema):
    type = ma.fields.String(metadata={"example": "Feature"})
    geometry = ma.fields.Dict(allow_none=True, metadata={"description": "Polygon or MultiPolygon, WGS-84"})
    properties = ma.fields.Nested(MapPropertiesOut)


class MapOut(ma.Schema):
    """A GeoJSON FeatureCollection (RFC 7946, application/geo+json), not wrapped in the
    envelope so that map tools read it as it is."""

    type = ma.fields.String(metadata={"example": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Nested(MapFeatureOut))


# --- rankings of communities and streets (server/sunlight/rankings.py) -------------------------

Flags = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), metadata={
    "description": "rate → low|high: beyond 1.5 IQR of the peers' quartiles (at least 4 peers "
                   "with a figure); only the flagged rates are listed"})
Score = ma.fields.Float(allow_none=True, metadata={
    "description": "mean of the three rates (响应率, 解决率, 满意率) that have a figure"})


class RankedStreetOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    communities = ma.fields.Integer(metadata={"description": "its active communities"})
    figures = ma.fields.Nested(FiguresOut)
    score = Score
    rank = ma.fields.Integer(allow_none=True, metadata={"description": "among the county's streets"})


class RankedCommunityOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    street_id = ma.fields.Integer(allow_none=True)
    street = ma.fields.String(allow_none=True)
    figures = ma.fields.Nested(FiguresOut)
    score = Score
    rank_in_county = ma.fields.Integer(allow_none=True)
    rank_in_street = ma.fields.Integer(allow_none=True)


class RankingWindowOut(ma.Schema):
    start = ma.fields.String(metadata={"description": "first local day"})
    end = ma.fields.String(metadata={"description": "last local day, included"})


class PublicRankingsOut(ma.Schema):
    level = ma.fields.String(metadata={"description": "county or street"})
    month = ma.fields.String(allow_none=True, metadata={"description": "YYYY-MM, or null for a window of days"})
    previous = ma.fields.String(allow_none=True, metadata={"description": "the month before"})
    next = ma.fields.String(allow_none=True, metadata={"description": "the month after"})
    window = ma.fields.Nested(RankingWindowOut)
    generated_at = ma.fields.String()
    street = ma.fields.Nested(RankedStreetOut, allow_none=True,
                              metadata={"description": "level=street: the street, ranked among the county's"})
    figures = ma.fields.Nested(FiguresOut)
    score = Score
    streets = ma.fields.List(ma.fields.Nested(RankedStreetOut),
                             metadata={"description": "level=county: the streets, ranked"})
    communities = ma.fields.List(ma.fields.Nested(RankedCommunityOut),
                                 metadata={"description": "ranked in the county or in the street"})


class FlaggedStreetOut(RankedStreetOut):
    flags = Flags


class FlaggedCommunityOut(RankedCommunityOut):
    flags_in_county = Flags
    flags_in_street = Flags


class RankingsOut(PublicRankingsOut):
    street = ma.fields.Nested(FlaggedStreetOut, allow_none=True)
    streets = ma.fields.List(ma.fields.Nested(FlaggedStreetOut))
    communities = ma.fields.List(ma.fields.Nested(FlaggedCommunityOut))
