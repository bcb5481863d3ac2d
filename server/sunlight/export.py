"""The committee's stats as a spreadsheet (XLSX, openpyxl) or CSV, with Chinese headers."""

from __future__ import annotations

from server.sheets import csv_bytes, xlsx_bytes

COLUMNS = [
    ("name", "分组"), ("total", "诉求数"), ("dispatched", "派单数"), ("responded", "按时接单数"),
    ("response_rate", "响应率"), ("rated", "评价数"), ("rated_resolved", "评价已解决数"),
    ("resolution_rate", "解决率"), ("rated_satisfied", "满意及基本满意数"),
    ("satisfaction_rate", "满意率"), ("closed", "办结数"), ("closed_on_time", "按时办结数"),
    ("open_overdue", "超期未办结数"), ("on_time_rate", "按时办结率"),
    ("median_accept_minutes", "接单用时中位数（分钟）"),
    ("median_resolve_minutes", "办结用时中位数（分钟）"),
]


GROUP_LABELS = {"community": "社区", "grid": "网格", "team": "服务队", "member": "党员"}


def heading(stats: dict) -> list[str]:
    """The first row: the window and the grouping, in Chinese like every other header."""
    return [f"统计区间：{stats['start']} 至 {stats['end']}",
            f"分组方式：按{GROUP_LABELS.get(stats['group'], stats['group'])}"]


def table(stats: dict) -> list[list]:
    return [[title for _key, title in COLUMNS],
            *([item.get(key) for key, _title in COLUMNS] for item in stats["items"])]


def to_csv(stats: dict) -> bytes:
    return csv_bytes([heading(stats), *table(stats)])


def to_xlsx(stats: dict) -> bytes:
    return xlsx_bytes([("指标", [heading(stats), *table(stats)])])
