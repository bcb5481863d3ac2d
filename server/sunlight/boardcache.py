"""A short server-side cache of the public pages' renderings, per worker process (and of a
community's figures for the committee's stats, once the reader is allowed them).

A sunlight page shared in a hundred WeChat groups is read thousands of times a minute, and
each reading recomputes the same figures over the whole window (a community's board) or the
same timeline (a request's page). A rendering is kept for ``SUNLIGHT_BOARD_CACHE_SECONDS`` (off
when 0, the development default) and is dropped as soon as what it shows changes: it is stored
with a version read in one statement — for a board, the community's newest request id and
latest ``updated_at`` (two index lookups); for a request's page, the request's own version —
so a submission or an action anywhere — in any worker, on any host — invalidates it. Lights
and the moving window may lag by at most the lifetime, which the public
``Cache-Control: max-age`` already allows.

A request's page changes with time only when its light does (green to yellow, yellow to red;
never once it is finished): it is kept until then, or until ``STEADY_LIMIT`` lifetimes have
passed (a renamed member or community still shows within a minute), rather than recomputed
every lifetime (a city's request pages are many, each read now and then, and each was
recomputed every ten seconds although only its light could have changed). Its version
includes the moderation of its text and of its photos and its supporters, so content held for
review leaves the page at the next reading.

That version is read again at most once per ``SUNLIGHT_BOARD_RECHECK_SECONDS`` per rendering
(1 in production, 0 elsewhere: every reading): within that second a reading costs no statement
and no connection, and a change (or a retired community) shows at the first reading after it.

Stale while revalidate: when a rendering is out of date, one thread recomputes it; the readers
that arrive meanwhile get the previous one at once (if it is younger than ``STALE_LIMIT``
lifetimes) instead of queueing behind a computation that takes most of a second at city scale.
The thread that recomputes — the first reader after a change — always sees the change.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, request
from marshmallow import ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from server.errors import DomainError
from server.extensions import db
from server.grid.models import Community
from server.privacy import PASS, log_unexpected
from server.requests.enums import OPEN_STATUSES
from server.requests.lights import yellow_at
from server.requests.models import Photo, Request, on_public_pages
from server.sunlight.caching import Rendered
from server.sunlight.models import PublicRendering

log = logging.getLogger(__name__)

MAX_ENTRIES = 512
STALE_LIMIT = 6  # lifetimes: how old a rendering may be served while another thread recomputes
STEADY_LIMIT = 6  # lifetimes: how long a rendering whose ``until`` is later may be kept

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()  # key → (computed at, version, rendering, expires at)
_flights: dict = {}
_checked: dict = {}  # key → when its version was last read and found current
_families: dict = {}  # versions function → {key: ident} of the renderings kept here


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
    """What changes whenever the request numbered ``no`` changes, or what its page shows of
    it (its moderation, its supporters, its photos' moderation), and what its light depends
    on; None when it is not on the public pages (or its community is retired). One statement."""
    return request_versions([no]).get(no)


def request_versions(numbers: list[str]) -> dict[str, tuple]:
    """``request_version`` of each of ``numbers`` on the public pages, in one statement."""
    photos = (select(func.count()).where(Photo.request_id == Request.id, Photo.moderation == PASS)
              .correlate(Request).scalar_subquery())
    rows = db.session.execute(
        select(Request.no, Request.id, Request.version, Request.updated_at, Request.moderation,
               Request.support_count, photos, Request.status, Request.submitted_at,
               Request.resolve_deadline)
        .join(Community, Community.id == Request.community_id)
        .where(Request.no.in_(numbers), on_public_pages(), Community.is_active.is_(True)))
    return {no: tuple(rest) for no, *rest in rows}


def request_light_changes(version: tuple, now: datetime) -> datetime | None:
    """When the light of the request read by ``request_version`` next changes (``light_of``):
    None when it never will (finished, no deadline, already red)."""
    *_, status, submitted_at, deadline = version
    if status not in OPEN_STATUSES or deadline is None or now > deadline:
        return None
    yellow = yellow_at(submitted_at=submitted_at, resolve_deadline=deadline)
    return yellow if now < yellow else deadline + timedelta(microseconds=1)


def clear() -> None:
    """Forget this worker's renderings (the shared ones stay)."""
    with _lock:
        _entries.clear()
        _flights.clear()
        _checked.clear()
        _marked.clear()
        _families.clear()


def cached(key: tuple, now: datetime, compute: Callable[[], Any], *,
           version: Callable[[], Hashable | None],
           until: Callable[[Any, datetime], datetime | None] | None = None,
           shared: bool = False,
           family: tuple[Callable[[list], dict], Hashable] | None = None) -> Any:
    """The rendering of ``key`` from the cache while it is current; else ``compute()``.

    ``version()`` reads what the rendering depends on; None means there is nothing to show,
    and ``compute()`` is called uncached (it raises the not-found error). A rendering is kept
    one lifetime; with ``until(version, now)`` — when it would change with time alone (None:
    never) — until then instead, at most ``STEADY_LIMIT`` lifetimes.

    ``family`` — ``(versions, ident)``, where ``versions(idents)`` reads the versions of
    many renderings in one statement — rechecks, when this one is due, every rendering of the
    family that is due in that statement, instead of one statement per rendering.

    ``shared`` (a ``Rendered`` of a page read at its path alone, no query): every worker
    takes the rendering another worker or the scheduler stored while it is current and fresh,
    instead of computing its own."""
    config = current_app.config
    lifetime = config.get("SUNLIGHT_BOARD_CACHE_SECONDS", 0)
    if lifetime <= 0:
        return compute()
    if shared and refreshing():
        return _refresh(key, now, compute, version, lifetime)
    if shared:
        _mark_read(key, now)
    recheck = config.get("SUNLIGHT_BOARD_RECHECK_SECONDS", 0)
    if recheck > 0:
        found = _checked_recently(key, now, recheck)
        if found is None and family is not None:
            _recheck_family(key, family, now, recheck)
            found = _checked_recently(key, now, recheck)
        if found is not None:
            return found
    current = version()
    if current is None:
        return compute()
    found = _fresh(key, current, now)
    if found is None and shared:
        found = _adopt(key, current, now, lifetime)
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
        found = _fresh(key, current, now)
        if found is None:
            found = compute()
            _keep(key, now, current, found, _expiry(now, current, lifetime, until))
            if family is not None:
                with _lock:
                    _families.setdefault(family[0], {})[key] = family[1]
            if shared:
                _share(key, current, now, found)
    finally:
        flight.release()
    with _lock:
        if len(_flights) > MAX_ENTRIES:
            _flights.clear()  # the locks are cheap to remake; holders keep their own reference
    return found


def _recheck_family(key, family, now: datetime, recheck: int) -> None:
    """Read again, in one statement, the versions of every rendering of ``key``'s family kept
    here whose recheck is due; those unchanged count as checked now. A changed or vanished
    one stays due: its next reader reads its own version and recomputes it."""
    versions, ident = family
    with _lock:
        members = _families.setdefault(versions, {})
        members[key] = ident
        due = {}
        for member, its_ident in list(members.items()):
            entry = _entries.get(member)
            if entry is None:
                del members[member]  # evicted
                continue
            checked = _checked.get(member)
            if checked is None or not 0 <= (now - checked).total_seconds() < recheck:
                due[member] = (its_ident, entry[1])
    if not due:
        return
    found = versions(sorted({its_ident for its_ident, _seen in due.values()}))
    with _lock:
        for member, (its_ident, seen) in due.items():
            if found.get(its_ident) == seen:
                _checked[member] = now


def _keep(key, now: datetime, current, rendering, expires: datetime) -> None:
    with _lock:
        _entries[key] = (now, current, rendering, expires)
        _entries.move_to_end(key)
        _checked[key] = now
        while len(_entries) > MAX_ENTRIES:
            _checked.pop(_entries.popitem(last=False)[0], None)


# --- shared renderings ------------------------------------------------------------------------
# A community board at city scale takes about a third of a second of CPU to compute, during
# which its worker's other threads wait for the GIL: with every worker recomputing every board
# it serves once a lifetime, the pages stalled. Shared, a board is computed once for all
# workers (and hosts); and while people read it, the scheduler's ``sunlight.refresh_boards``
# renders it again before it grows old, so that a web worker computes one only after a change
# (the first reader after a change still sees it at once) or when no scheduler runs.

REFRESH = "huying.refresh_public_page"  # WSGI environ key: the scheduler renders the page again
READ_MARK_SECONDS = 30  # how often a worker records that a shared page is still being read
_marked: dict = {}


def refreshing() -> bool:
    """This request is the scheduler rendering a page again (no HTTP client can set it)."""
    return has_request_context() and bool(request.environ.get(REFRESH))


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _refresh(key, now: datetime, compute, version, lifetime: int):
    current = version()
    found = compute()
    if current is not None:
        _keep(key, now, current, found, now + timedelta(seconds=lifetime))
        _share(key, current, now, found)
    return found


def _adopt(key, current, now: datetime, lifetime: int):
    """The stored rendering of ``key`` when it was made from ``current`` and is younger than
    the lifetime; kept in this worker until the stored one's lifetime ends. One statement."""
    row = db.session.execute(
        select(PublicRendering.computed_at, PublicRendering.body, PublicRendering.etag,
               PublicRendering.mimetype)
        .where(PublicRendering.key == _digest(key), PublicRendering.version == _digest(current))
    ).first()
    if row is None:
        return None
    expires = row.computed_at + timedelta(seconds=lifetime)
    if not row.computed_at <= now < expires:
        return None
    rendering = Rendered(row.body, row.etag, row.mimetype)
    _keep(key, row.computed_at, current, rendering, expires)
    return rendering


def _share(key, current, now: datetime, rendering) -> None:
    """Store ``rendering`` for every worker, in a transaction of its own (a reading's session
    writes nothing); a failure only costs the sharing."""
    text = _digest(key)
    values = {"path": request.path, "accept": request.headers.get("Accept", "")[:200],
              "version": _digest(current),
              "computed_at": now, "body": rendering.body, "etag": rendering.etag,
              "mimetype": rendering.mimetype}
    try:
        with db.engine.begin() as connection:
            insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            connection.execute(  # never over a rendering made later (by the scheduler, say)
                insert(PublicRendering).values(key=text, read_at=now, **values)
                .on_conflict_do_update(index_elements=["key"], set_=values,
                                       where=PublicRendering.computed_at <= now))
    except SQLAlchemyError as exc:
        log_unexpected(log, "a public page could not be shared", exc)


def _mark_read(key, now: datetime) -> None:
    """Record, at most once per ``READ_MARK_SECONDS`` per worker, that ``key`` is being read:
    the scheduler keeps fresh only what people read."""
    with _lock:
        last = _marked.get(key)
        if last is not None and 0 <= (now - last).total_seconds() < READ_MARK_SECONDS:
            return
        _marked[key] = now
        if len(_marked) > MAX_ENTRIES:
            _marked.clear()
    try:
        with db.engine.begin() as connection:
            connection.execute(update(PublicRendering)
                               .where(PublicRendering.key == _digest(key),
                                      PublicRendering.read_at < now)
                               .values(read_at=now))
    except SQLAlchemyError as exc:
        log_unexpected(log, "a public page's reading could not be recorded", exc)


def refresh_due(now: datetime) -> int:
    """Render again the shared pages read in the last ``HOT_SECONDS`` whose rendering is more
    than half a lifetime old, as their own readers would ask for them; forget those unread for
    a day. The scheduler's ``sunlight.refresh_boards``."""
    app = current_app._get_current_object()
    lifetime = app.config.get("SUNLIGHT_BOARD_CACHE_SECONDS", 0)
    if lifetime <= 0:
        return 0
    db.session.execute(delete(PublicRendering)
                       .where(PublicRendering.read_at < now - timedelta(days=1)))
    db.session.commit()
    due = db.session.execute(
        select(PublicRendering.path, PublicRendering.accept)
        .where(PublicRendering.read_at >= now - timedelta(seconds=HOT_SECONDS),
               PublicRendering.computed_at < now - timedelta(seconds=lifetime / 2))
        .order_by(PublicRendering.read_at.desc()).limit(REFRESH_LIMIT)).all()
    db.session.rollback()
    done = 0
    for path, accept in due:
        with app.test_request_context(path, headers={"Accept": accept},
                                      environ_base={REFRESH: True}):
            view = app.view_functions.get(request.url_rule.endpoint) if request.url_rule else None
            try:
                if view is not None:
                    view(**request.view_args)
                    done += 1
            except (HTTPException, DomainError, ValidationError):
                db.session.execute(delete(PublicRendering).where(
                    PublicRendering.path == path, PublicRendering.accept == accept))
                db.session.commit()  # gone (a retired community): stop rendering it
            finally:
                db.session.rollback()  # a reading writes nothing; end its transaction
    return done


HOT_SECONDS = 300  # a shared page read within this is kept fresh
REFRESH_LIMIT = 200  # pages rendered again per run at most


def _expiry(now: datetime, current, lifetime: int, until) -> datetime:
    if until is None:
        return now + timedelta(seconds=lifetime)
    steady = now + timedelta(seconds=lifetime * STEADY_LIMIT)
    changes = until(current, now)
    return steady if changes is None else min(changes, steady)


def _fresh(key, current, now: datetime):
    with _lock:
        found = _entries.get(key)
    if found is None:
        return None
    at, seen, rendering, expires = found
    if seen == current and at <= now < expires:
        with _lock:
            _checked[key] = now
        return rendering
    return None


def _checked_recently(key, now: datetime, recheck: int):
    """The rendering when its version was found current less than ``recheck`` seconds ago."""
    with _lock:
        found, checked = _entries.get(key), _checked.get(key)
    if found is None or checked is None:
        return None
    at, _seen, rendering, expires = found
    if 0 <= (now - checked).total_seconds() < recheck and at <= now < expires:
        return rendering
    return None
