"""The committee's assessment: figures by group and window, exports, stored weekly reports."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas import sunlight as schemas
from server import clock
from server.http import Blueprint, keyset_page, login_required, page_schema, sheet_response
from server.sheets import CONTENT_TYPES
from server.sunlight import export, service
from server.sunlight.models import WeeklyReport

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="考核统计 Assessment")



@blp.get("/stats")
@login_required(blp)
@blp.arguments(schemas.StatsArgs, location="query")
@blp.response(200, schemas.StatsOut)
@blp.errors(403, 404, 422)
def stats(args):
    """响应率, 解决率, 满意率, 按时办结率 and counts, by community, grid, team or member.

    Committee: its own community; admin: any community, or all without ``community_id``.
    """
    return service.stats(user=current_user, now=clock.now(), **args)


@blp.get("/stats/export")
@login_required(blp)
@blp.arguments(schemas.ExportArgs, location="query")
@blp.download(*CONTENT_TYPES.values(), description="XLSX (format=xlsx, the default) or CSV file")
@blp.errors(403, 404, 422)
def export_stats(args):
    """The same figures as ``GET /stats``, as an XLSX (default) or CSV download."""
    fmt = args.pop("format")
    data = service.stats(user=current_user, now=clock.now(), **args)
    body = export.to_xlsx(data) if fmt == "xlsx" else export.to_csv(data)
    kind = "" if data["channel"] == "resident" else f"-{data['channel']}"
    name = f"stats-{data['group']}{kind}-{data['start']}-{data['end']}.{fmt}"
    return sheet_response(body, fmt, name)


@blp.get("/stats/weekly")
@login_required(blp)
@blp.arguments(schemas.WeeklyReportArgs, location="query")
@blp.response(200, page_schema(schemas.WeeklyReportOut))
@blp.errors(403, 404, 422)
def weekly_reports(args):
    """The stored weekly reports (每周会商), newest first."""
    query = service.weekly_reports_query(user=current_user, community_id=args["community_id"])
    return keyset_page(query, WeeklyReport.id, args)
