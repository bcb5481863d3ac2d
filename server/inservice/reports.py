"""The yearly feedback report (在职党员回社区报到情况反馈表) as CSV or an Excel workbook."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from server import sheets
from server.inservice.enums import REGISTRATION_LABELS, RegistrationStatus

COLUMNS = [
    ("year", "年度"), ("name", "姓名"), ("work_unit", "工作单位"), ("party_branch", "所在党支部"),
    ("community", "报到社区"), ("section", "服务片区"), ("status", "报到状态"),
    ("registered_at", "报到日期"), ("hours", "服务时长（小时）"), ("activities", "参加活动（次）"),
    ("requests_handled", "办结诉求（件）"), ("requests_rated", "已评价诉求（件）"),
    ("satisfaction_rate", "满意率"), ("yellow_cards", "黄牌（张）"), ("red_cards", "红牌（张）"),
    ("evaluation", "年度评议"), ("evaluation_comment", "评议意见"),
]


def title(year: int, work_unit: str | None) -> str:
    suffix = f"（{work_unit}）" if work_unit else ""
    return f"{year}年度在职党员回社区报到情况反馈表{suffix}"


def _cell(key: str, value, zone: ZoneInfo):
    if value is None:
        return ""
    if key == "status":
        return REGISTRATION_LABELS[RegistrationStatus(value)]
    if key == "registered_at" and isinstance(value, datetime):
        return value.astimezone(zone).date().isoformat()
    if key == "satisfaction_rate":
        return f"{value * 100:.1f}%"
    return value


def table(rows: list[dict], timezone: str) -> list[list]:
    zone = ZoneInfo(timezone)
    return [[sheets.cell(_cell(key, row[key], zone)) for key, _ in COLUMNS] for row in rows]


def to_csv(rows: list[dict], timezone: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _, title in COLUMNS])
    writer.writerows(table(rows, timezone))
    return out.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the Chinese


def to_xlsx(rows: list[dict], timezone: str, *, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "反馈表"
    sheet.append([sheets.cell(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([name for _, name in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for line in table(rows, timezone):
        sheet.append(line)
    for index, (_, name) in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=2, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, len(name) * 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
