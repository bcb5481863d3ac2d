from __future__ import annotations

import marshmallow as ma

from mini_program_api.schemas.common import Id, LocalDateTime, Text
from mini_program_api.schemas.duty import WhistleOut
from mini_program_api.schemas.place import CoordSystemField, Lat, Lng
from server import clock
from server.http import StrictSchema
from server.place.coords import to_wgs84
from server.requests.enums import STATUS_LABELS, Satisfaction, Status
from server.requests.lights import Light, light_for
from server.uploads.service import url_for_photo

PhotoIds = ma.fields.List(Id(), validate=ma.validate.Length(max=9), load_default=list)


class ReportIn(StrictSchema):
    """What a report of a problem holds: category, text, place, photos (a resident's request
    and a member's patrol report alike)."""

    category_code = Text(32, min_length=1, required=True)
    description = Text(2000, min_length=5, required=True,
                       metadata={"description": "5 to 2000 characters (描述需为5至2000字)"})
    section_id = Id(load_default=None, allow_none=True, metadata={
        "description": "the section; without it the section holding lat/lng"})
    address = Text(200, load_default=None, allow_none=True)
    lat = Lat(load_default=None, allow_none=True)
    lng = Lng(load_default=None, allow_none=True)
    # No default here: a body without it hashes as before for Idempotency-Key (wgs84 applies).
    coord_system = CoordSystemField(load_default=ma.missing)
    photo_ids = PhotoIds

    @ma.validates_schema
    def _placed(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ma.ValidationError("lat and lng go together", field_name="lat")
        if data.get("section_id") is None and data.get("lat") is None:
            raise ma.ValidationError("give section_id, or lat and lng", field_name="section_id")


class SubmitIn(ReportIn):
    public = ma.fields.Boolean(load_default=False)


class PatrolIn(ReportIn):
    accept_now = ma.fields.Boolean(load_default=False, metadata={
        "description": "the reporter takes the task at once (接单)"})


class NoteIn(StrictSchema):
    note = Text(2000, min_length=1, required=True)
    photo_ids = PhotoIds


class ReasonIn(StrictSchema):
    reason = Text(500, min_length=1, required=True)


class ApproveIn(StrictSchema):
    note = Text(500, load_default=None, allow_none=True)


class AssignIn(StrictSchema):
    member_id = Id(required=True)
    note = Text(500, load_default=None, allow_none=True)


class DepartmentRef(ma.fields.Field):
    """A department's code (string) or id (integer), from ``GET /api/v1/departments``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ma.ValidationError("a department code or id")
        text = str(value).strip()
        if not 0 < len(text) <= 64:
            raise ma.ValidationError("a department code or id")
        return text


class InstructIn(StrictSchema):
    instruction = Text(500, min_length=1, required=True,
                       metadata={"description": "the instruction to the committee (督办指示)"})


class EscalateIn(StrictSchema):
    department = DepartmentRef(required=True, metadata={"type": "string",
                                                        "example": "urban_mgmt"})
    note = Text(500, min_length=1, required=True)


class CommitteeResolveIn(NoteIn):
    pass


class RateIn(StrictSchema):
    resolved = ma.fields.Boolean(required=True)
    satisfaction = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in Satisfaction]))
    comment = Text(500, load_default=None, allow_none=True)


class EmptyIn(StrictSchema):
    pass


class ReviewArgs(StrictSchema):
    light = ma.fields.String(load_default=None,
                             validate=ma.validate.OneOf([lt.value for lt in Light]))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class TasksArgs(StrictSchema):
    scope = ma.fields.String(load_default="available", validate=ma.validate.OneOf(["available", "mine"]))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    lat = Lat(load_default=None, metadata={"description": "where the member stands: nearest first"})
    lng = Lng(load_default=None)
    coord_system = CoordSystemField()
    within = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=50_000),
                               metadata={"description": "metres: only tasks this close"})

    @ma.validates_schema
    def _point(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ma.ValidationError("lat and lng go together", field_name="lat")
        if data.get("within") is not None and data.get("lat") is None:
            raise ma.ValidationError("within needs lat and lng", field_name="within")

    @ma.post_load
    def _near(self, data, **kwargs):
        near = None
        if data.get("lat") is not None:
            lat, lng = to_wgs84(data["lat"], data["lng"], data["coord_system"])
            near = (lat, lng, data.get("within"))
        return {**data, "near": near}


class PhotoOut(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.Function(url_for_photo)
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    moderation = ma.fields.String(metadata={"description": "content security: pending | pass | "
                                            "review | risky; public only when pass"})


class UploadOut(PhotoOut):
    pass


class CategoryRefOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class EventOut(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    actor_role = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    data = ma.fields.Dict(allow_none=True)
    created_at = LocalDateTime()


class RequestSummaryOut(ma.Schema):
    id = ma.fields.Integer()
    no = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.Function(lambda r: STATUS_LABELS[Status(r.status)])
    category = ma.fields.Nested(CategoryRefOut)
    description = ma.fields.String()
    community_id = ma.fields.Integer()
    grid_id = ma.fields.Integer()
    section_id = ma.fields.Integer()
    hop = ma.fields.String(allow_none=True)
    team_id = ma.fields.Integer(allow_none=True)
    handler_id = ma.fields.Integer(allow_none=True)
    public = ma.fields.Boolean()
    moderation = ma.fields.String(metadata={
        "description": "content security of its texts: pass | pending | review | risky; "
                       "public only when pass"})
    submitted_at = LocalDateTime()
    accept_deadline = LocalDateTime(allow_none=True)
    resolve_deadline = LocalDateTime(allow_none=True)
    updated_at = LocalDateTime()
    light = ma.fields.Function(lambda r: light_for(r, clock.now()), allow_none=True,
                               metadata={"description": "green / yellow / red; null once finished"})
    supporters = ma.fields.Integer(attribute="support_count", metadata={"description": "附议 count"})
    distance_m = ma.fields.Function(lambda r: getattr(r, "distance_m", None), allow_none=True,
                                    metadata={"type": "integer",
                                              "description": "metres from the member (tasks with lat/lng)"})
    duplicate_of_id = ma.fields.Integer(allow_none=True, metadata={"description": "merged into"})
    place_mismatch_m = ma.fields.Integer(allow_none=True, metadata={
        "description": "metres between the point and the section named, when far outside it"})


class SupportOut(ma.Schema):
    id = ma.fields.Integer()
    no = ma.fields.String()
    supporters = ma.fields.Integer(attribute="support_count")


class RatingOut(ma.Schema):
    cycle = ma.fields.Integer()
    resolved = ma.fields.Boolean()
    satisfaction = ma.fields.String()
    comment = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()


class RequestOut(RequestSummaryOut):
    """What the owner, the handling team and the committee see."""

    address = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True, metadata={"description": "WGS-84"})
    lng = ma.fields.Float(allow_none=True, metadata={"description": "WGS-84"})
    coord_system = ma.fields.String(allow_none=True, metadata={"description": "as the client sent it"})
    sent_lat = ma.fields.Float(allow_none=True)
    sent_lng = ma.fields.Float(allow_none=True)
    channel = ma.fields.String()
    accepted_at = LocalDateTime(allow_none=True)
    resolved_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    reopen_count = ma.fields.Integer()
    photos = ma.fields.List(ma.fields.Nested(PhotoOut))
    timeline = ma.fields.List(ma.fields.Nested(EventOut), attribute="events")
    ratings = ma.fields.List(ma.fields.Nested(RatingOut))
    whistles = ma.fields.List(ma.fields.Nested(WhistleOut))
