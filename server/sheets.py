"""Cells of the spreadsheets the product exports (XLSX and CSV): text, never code or garbage.

One character XLSX cannot hold (the C0 controls but tab, newline and carriage return, lone
surrogates) would fail the whole file; a leading ``= + - @``, tab or carriage return would make
a spreadsheet read a name as a formula (CSV/formula injection).
"""

from __future__ import annotations

import re

_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """``value`` fit for a cell: unwritable characters dropped, a formula start quoted."""
    if isinstance(value, str):
        value = _UNWRITABLE.sub("", value)
        if value[:1] in _FORMULA_START:
            return "'" + value
    return value
