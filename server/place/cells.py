"""Coarse cells of the earth that index nearby queries on both databases.

A cell is 0.002° of latitude by 0.002° of longitude (about 220 m × 155 m at 45° N) and its key
an integer, so a B-tree index on ``(cell, status)`` finds the open requests around a point
by a short ``IN`` list instead of a scan; the exact distance is measured afterwards.
"""

from __future__ import annotations

import math

SIZE = 0.002
_ROW = 1_000_000  # more columns than 360 / SIZE


def _row_col(lat: float, lng: float) -> tuple[int, int]:
    return math.floor((lat + 90) / SIZE), math.floor((lng + 180) / SIZE)


def cell_of(lat: float, lng: float) -> int:
    row, col = _row_col(lat, lng)
    return row * _ROW + col


def centre_of(cell: int) -> tuple[float, float]:
    """The centre of a cell: where a public map may put a request, never nearer."""
    row, col = divmod(cell, _ROW)
    return (row + 0.5) * SIZE - 90, (col + 0.5) * SIZE - 180


def around(lat: float, lng: float, radius_m: float) -> list[int]:
    """Every cell that a circle of ``radius_m`` around the point touches."""
    d_lat = radius_m / 111_195
    d_lng = radius_m / (111_195 * max(math.cos(math.radians(lat)), 0.01))
    row0, col0 = _row_col(lat - d_lat, lng - d_lng)
    row1, col1 = _row_col(lat + d_lat, lng + d_lng)
    return [r * _ROW + c for r in range(row0, row1 + 1) for c in range(col0, col1 + 1)]
