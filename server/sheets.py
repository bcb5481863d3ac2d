"""Cells of the spreadsheets the product exports (XLSX and CSV): text, never code or garbage.

One character XLSX cannot hold (the C0 controls but tab, newline and carriage return, lone
surrogates) would fail the whole file; a leading ``= + - @``, tab or carriage return would make
a spreadsheet read a name as a formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from openpyxl import Workbook

_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """``value`` fit for a cell: unwritable characters dropped, a formula start quoted."""
    if isinstance(value, str):
        value = _UNWRITABLE.sub("", value)
        if value[:1] in _FORMULA_START:
            return "'" + value
    return value


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def csv_bytes(rows: Iterable[list]) -> bytes:
    """Rows as CSV, UTF-8 with a BOM (so that Excel reads the Chinese), every value a ``cell``."""
    out = io.StringIO()
    csv.writer(out).writerows([cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Iterable[tuple[str, Iterable[list]]]) -> bytes:
    """A workbook of ``(title, rows)`` sheets, in order, every value a ``cell``."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
