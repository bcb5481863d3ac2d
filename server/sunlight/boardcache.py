"""A short server-side cache of the community boards, per worker process.

A sunlight page shared in a hundred WeChat groups is read thousands of times a minute, and
each reading recomputes the same figures over the whole window. The board is kept for
``SUNLIGHT_BOARD_CACHE_SECONDS`` (off when 0, the development default) and is dropped as soon
as the community's requests change: the key carries the community's newest request id and
latest ``updated_at`` (two index lookups), so a submission or an action anywhere — in any
worker, on any host — invalidates it at the next reading. Lights and the moving window may lag
by at most the lifetime, which the public ``Cache-Control: max-age`` already allows.

Stale while revalidate: when a board is out of date, one thread recomputes it; the readers
that arrive meanwhile get the previous board at once (if it is younger than ``STALE_LIMIT``
lifetimes) instead of queueing behind a computation that takes most of a second at city scale.
The thread that recomputes — the first reader after a change — always sees the change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from server.extensions import db
from server.requests.models import Request

MAX_ENTRIES = 256
STALE_LIMIT = 6  # lifetimes: how old a board may be served while another thread recomputes

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()
_flights: dict = {}


def version(community_id: int) -> tuple:
    """What changes whenever a request of the community is added or changes."""
    row = db.session.execute(
        select(func.max(Request.id), func.max(Request.updated_at))
        .where(Request.community_id == community_id)).one()
    return tuple(row)


def clear() -> None:
    with _lock:
        _entries.clear()
        _flights.clear()


def cached(community_id: int, args: dict, now: datetime, compute: Callable[[], dict]) -> dict:
    lifetime = current_app.config.get("SUNLIGHT_BOARD_CACHE_SECONDS", 0)
    if lifetime <= 0:
        return compute()
    key = (community_id, tuple(sorted((k, v) for k, v in args.items() if v is not None)))
    current = version(community_id)
    board = _fresh(key, current, now, lifetime)
    if board is not None:
        return board
    # Single flight: when a page goes viral, the threads that miss together share one
    # computation instead of each burning a core on the same figures; they serve the previous
    # board meanwhile, or wait for the new one when there is none.
    with _lock:
        flight = _flights.setdefault(key, threading.Lock())
        previous = _entries.get(key)
    usable = previous is not None and 0 <= (now - previous[0]).total_seconds() < lifetime * STALE_LIMIT
    if not (usable and flight.acquire(blocking=False)):
        if usable:
            return previous[2]  # another thread is recomputing it
        flight.acquire()
    try:
        board = _fresh(key, current, now, lifetime)
        if board is None:
            board = compute()
            with _lock:
                _entries[key] = (now, current, board)
                _entries.move_to_end(key)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
    finally:
        flight.release()
    with _lock:
        if len(_flights) > MAX_ENTRIES:
            _flights.clear()  # the locks are cheap to remake; holders keep their own reference
    return board


def _fresh(key, current: tuple, now: datetime, lifetime: int):
    with _lock:
        found = _entries.get(key)
    if found is None:
        return None
    at, seen, board = found
    return board if seen == current and 0 <= (now - at).total_seconds() < lifetime else None
