"""Cells of the earth that index nearby queries on both databases and blur points in public.

A cell is ``SIZE`` degrees square (0.0005°: about 56 m north-south by 39 m east-west at
45° N). Its key is ``row * 1_000_000 + column``, so the cells of one row are consecutive
integers and the cells around a point are a few ``BETWEEN`` ranges on a B-tree index
(``ix_requests_cell_status``) instead of a scan. A request is "within r metres" when the
centre of its cell is: nothing public is ever decided by the exact point, so no query can be
used to find one more precisely than its cell.
"""

from __future__ import annotations

import math

SIZE = 0.0005
_ROW = 1_000_000  # more columns than 360 / SIZE
_M_PER_DEG = 111_195.0


def _row_col(lat: float, lng: float) -> tuple[int, int]:
    return math.floor((lat + 90) / SIZE), math.floor((lng + 180) / SIZE)


def cell_of(lat: float, lng: float) -> int:
    row, col = _row_col(lat, lng)
    return row * _ROW + col


def centre_of(cell: int, size: int = 1) -> tuple[float, float]:
    """The centre of a cell, or of the block of ``size`` × ``size`` cells holding it (the
    coarse position a public map may show)."""
    row, col = divmod(cell, _ROW)
    row, col = row // size * size, col // size * size
    return (row + size / 2) * SIZE - 90, (col + size / 2) * SIZE - 180


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Equirectangular distance: within a kilometre, right to a fraction of a metre."""
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lat2 - lat1) * _M_PER_DEG, (lng2 - lng1) * _M_PER_DEG * k)


def ranges_within(lat: float, lng: float, radius_m: float) -> list[tuple[int, int]]:
    """Key ranges ``(low, high)`` of the cells whose centre lies within ``radius_m`` of the
    point, plus the point's own cell: one range per row, since a circle meets a row in one
    run of columns."""
    own_row, own_col = _row_col(lat, lng)
    d_lat = radius_m / _M_PER_DEG
    rows = range(math.floor((lat - d_lat + 90) / SIZE), math.floor((lat + d_lat + 90) / SIZE) + 1)
    k = max(math.cos(math.radians(lat)), 0.01)
    found = []
    for row in rows:
        centre_lat = (row + 0.5) * SIZE - 90
        left = radius_m ** 2 - ((centre_lat - lat) * _M_PER_DEG) ** 2
        if left < 0:
            cols = None
        else:
            half = math.sqrt(left) / (_M_PER_DEG * k)
            first = math.ceil((lng - half + 180) / SIZE - 0.5)
            last = math.floor((lng + half + 180) / SIZE - 0.5)
            cols = (first, last) if first <= last else None
        if row == own_row:
            cols = (min(cols[0], own_col), max(cols[1], own_col)) if cols else (own_col, own_col)
        if cols:
            found.append((row * _ROW + cols[0], row * _ROW + cols[1]))
    return found
