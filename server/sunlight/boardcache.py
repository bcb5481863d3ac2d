"""A short server-side cache of the public pages' renderings, per worker process.

A sunlight page shared in a hundred WeChat groups is read thousands of times a minute, and
each reading recomputes the same figures over the whole window (a community's board) or the
same timeline (a request's page). A rendering is kept for ``SUNLIGHT_BOARD_CACHE_SECONDS`` (off
when 0, the development default) and is dropped as soon as what it shows changes: it is stored
with a version read in one statement — for a board, the community's newest request id and
latest ``updated_at`` (two index lookups); for a request's page, the request's own version —
so a submission or an action anywhere — in any worker, on any host — invalidates it. Lights
and the moving window may lag by at most the lifetime, which the public
``Cache-Control: max-age`` already allows.

That version is read again at most once per ``SUNLIGHT_BOARD_RECHECK_SECONDS`` per rendering
(1 in production, 0 elsewhere: every reading): within that second a reading costs no statement
and no connection, and a change (or a retired community) shows at the first reading after it.

Stale while revalidate: when a rendering is out of date, one thread recomputes it; the readers
that arrive meanwhile get the previous one at once (if it is younger than ``STALE_LIMIT``
lifetimes) instead of queueing behind a computation that takes most of a second at city scale.
The thread that recomputes — the first reader after a change — always sees the change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from server.extensions import db
from server.grid.models import Community
from server.requests.models import Request, on_public_pages

MAX_ENTRIES = 512
STALE_LIMIT = 6  # lifetimes: how old a rendering may be served while another thread recomputes

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()  # key → (computed at, version, rendering)
_flights: dict = {}
_checked: dict = {}  # key → when its version was last read and found current


def community_version(community_id: int) -> tuple | None:
    """What changes whenever a request of the community is added or changes; None when the
    community does not exist or is retired. One statement."""
    newest = select(func.max(Request.id)).where(Request.community_id == community_id)
    changed = select(func.max(Request.updated_at)).where(Request.community_id == community_id)
    row = db.session.execute(
        select(newest.scalar_subquery(), changed.scalar_subquery())
        .where(Community.id == community_id, Community.is_active.is_(True))).first()
    return None if row is None else tuple(row)


def request_version(no: str) -> tuple | None:
    """What changes whenever the request numbered ``no`` changes; None when it is not on the
    public pages (or its community is retired). One statement."""
    row = db.session.execute(
        select(Request.id, Request.version, Request.updated_at)
        .join(Community, Community.id == Request.community_id)
        .where(Request.no == no, on_public_pages(), Community.is_active.is_(True))).first()
    return None if row is None else tuple(row)


def clear() -> None:
    with _lock:
        _entries.clear()
        _flights.clear()
        _checked.clear()


def cached(key: tuple, now: datetime, compute: Callable[[], Any], *,
           version: Callable[[], Hashable | None]) -> Any:
    """The rendering of ``key`` from the cache while it is current; else ``compute()``.

    ``version()`` reads what the rendering depends on; None means there is nothing to show,
    and ``compute()`` is called uncached (it raises the not-found error)."""
    config = current_app.config
    lifetime = config.get("SUNLIGHT_BOARD_CACHE_SECONDS", 0)
    if lifetime <= 0:
        return compute()
    recheck = config.get("SUNLIGHT_BOARD_RECHECK_SECONDS", 0)
    if recheck > 0:
        found = _checked_recently(key, now, lifetime, recheck)
        if found is not None:
            return found
    current = version()
    if current is None:
        return compute()
    found = _fresh(key, current, now, lifetime)
    if found is not None:
        return found
    # Single flight: when a page goes viral, the threads that miss together share one
    # computation instead of each burning a core on the same figures; they serve the previous
    # rendering meanwhile, or wait for the new one when there is none.
    with _lock:
        flight = _flights.setdefault(key, threading.Lock())
        previous = _entries.get(key)
    usable = previous is not None and 0 <= (now - previous[0]).total_seconds() < lifetime * STALE_LIMIT
    if not (usable and flight.acquire(blocking=False)):
        if usable:
            return previous[2]  # another thread is recomputing it
        flight.acquire()
    try:
        found = _fresh(key, current, now, lifetime)
        if found is None:
            found = compute()
            with _lock:
                _entries[key] = (now, current, found)
                _entries.move_to_end(key)
                _checked[key] = now
                while len(_entries) > MAX_ENTRIES:
                    _checked.pop(_entries.popitem(last=False)[0], None)
    finally:
        flight.release()
    with _lock:
        if len(_flights) > MAX_ENTRIES:
            _flights.clear()  # the locks are cheap to remake; holders keep their own reference
    return found


def _fresh(key, current, now: datetime, lifetime: int):
    with _lock:
        found = _entries.get(key)
    if found is None:
        return None
    at, seen, rendering = found
    if seen == current and 0 <= (now - at).total_seconds() < lifetime:
        with _lock:
            _checked[key] = now
        return rendering
    return None


def _checked_recently(key, now: datetime, lifetime: int, recheck: int):
    """The rendering when its version was found current less than ``recheck`` seconds ago."""
    with _lock:
        found, checked = _entries.get(key), _checked.get(key)
    if found is None or checked is None:
        return None
    at, _seen, rendering = found
    if 0 <= (now - checked).total_seconds() < recheck and 0 <= (now - at).total_seconds() < lifetime:
        return rendering
    return None
