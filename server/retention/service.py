"""Retention of residents' personal data (PIPL), and account deletion on request.

Requests closed (closed, rejected, cancelled) for more than ``RETENTION_DAYS`` lose what ties
them to a person: the exact address and coordinates, the link to the resident, phone numbers
and door numbers in the description and rating comments (masked like the public pages mask
them), the photos (rows and files: a photo of a doorway is personal data, and the public list
shows no photo of an anonymised request), and Open311 requesters' contacts. What remains is
what the sunlight statistics need: community, section, category, times, status and ratings.

The timeline (``request_events``) is append-only in the database and is not rewritten: it
names users by id, and a deleted or anonymised user's row holds no personal data. The free
text of its events (reasons, progress notes, comments) lives in ``request_event_notes`` and is
erased here: the text becomes NULL, the event rows stay as they were.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, exists, select, update

from server.accounts.enums import Role
from server.accounts.models import RevokedToken, RoleGrant, User
from server.accounts.service import keep_one_admin
from server.admin.models import Person
from server.extensions import db
from server.grid import hooks as grid_hooks
from server.grid.models import Team, TeamMember
from server.inservice.enums import RegistrationStatus
from server.inservice.models import Registration
from server.notifications.models import Notification
from server.open311.service import anonymise_requesters
from server.privacy import redact
from server.requests.enums import OPEN_STATUSES
from server.requests.models import EventNote, IdempotencyKey, Photo, Rating, Request
from server.wechat.models import SubscribeCredit

log = logging.getLogger(__name__)

DELETED_NAME = "已注销用户"
ORPHAN_GRACE = timedelta(hours=1)  # an upload between its file and its row is younger than this


def anonymise_closed(now: datetime, *, batch: int = 200) -> dict:
    """The retention sweep: anonymise requests closed longer than ``RETENTION_DAYS`` ago.

    Idempotent (``anonymised_at`` marks the done ones) and batched: one commit per batch, the
    files of a batch are deleted once its commit holds.
    """
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    counts = {"requests": 0, "photos": 0, "residents": 0}
    while True:
        requests = list(db.session.scalars(
            select(Request)
            .where(Request.anonymised_at.is_(None), Request.closed_at < cutoff,
                   Request.status.not_in(list(OPEN_STATUSES)))
            .order_by(Request.id).limit(batch)
        ))
        if not requests:
            break
        residents = {r.resident_id for r in requests if r.resident_id}
        filenames = []
        for request in requests:
            filenames += _strip(request, now)
        db.session.flush()
        counts["residents"] += sum(_forget_if_idle(uid) for uid in residents)
        db.session.commit()
        counts["requests"] += len(requests)
        counts["photos"] += _unlink(filenames)
    # Replayable responses of keyed submissions carry the address: none outlives the period.
    counts["idempotency_keys"] = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount
    db.session.commit()
    counts["open311_requesters"] = anonymise_requesters(
        now, days=current_app.config["RETENTION_DAYS"])
    counts["orphan_files"] = purge_orphan_files(now)
    return counts


def _strip(request: Request, now: datetime) -> list[str]:
    """Remove the personal data of one request; the names of its photo files to delete."""
    request.address = None
    request.lat = request.lng = None
    request.sent_lat = request.sent_lng = request.cell = None  # the point as sent, its cell
    request.resident_id = None
    request.description = redact(request.description) or ""
    request.anonymised_at = now
    for rating in db.session.scalars(select(Rating).where(Rating.request_id == request.id)):
        rating.comment = redact(rating.comment)
    db.session.execute(update(EventNote).where(EventNote.request_id == request.id,
                                               EventNote.erased_at.is_(None))
                       .values(text=None, erased_at=now))
    filenames = [p.filename for p in request.photos]
    db.session.execute(delete(Photo).where(Photo.request_id == request.id))
    db.session.expire(request, ["photos"])
    return filenames


def _forget_if_idle(user_id: int) -> bool:
    """A resident with nothing live left loses their name and phone (the account stays)."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None or (user.name is None and user.phone is None):
        return False
    still_linked = db.session.scalar(select(exists().where(Request.resident_id == user_id)))
    other_roles = db.session.scalar(select(exists().where(
        RoleGrant.user_id == user_id, RoleGrant.role != Role.RESIDENT)))
    person = db.session.scalar(select(exists().where(Person.user_id == user_id)))
    if still_linked or other_roles or person:
        return False
    user.name = user.phone = None
    user.phone_verified = False
    return True


def _unlink(filenames: list[str]) -> int:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    removed = 0
    for name in filenames:
        try:
            (folder / name).unlink(missing_ok=True)
            removed += 1
        except OSError as exc:  # left for purge_orphan_files on the next run
            log.error("retention: could not delete a photo file: %s", type(exc).__name__)
    return removed


def purge_orphan_files(now: datetime) -> int:
    """Delete files of the upload folder that no photo row names (older than an hour):
    files whose row was deleted, or uploads whose process died before the row was written."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    if not folder.is_dir():
        return 0
    known = set(db.session.scalars(select(Photo.filename)))
    removed = 0
    for path in folder.iterdir():
        if not path.is_file() or path.name in known:
            continue
        if now.timestamp() - path.stat().st_mtime < ORPHAN_GRACE.total_seconds():
            continue
        try:
            path.unlink()
            removed += 1
        except OSError as exc:
            log.error("retention: could not delete an orphan file: %s", type(exc).__name__)
    return removed


def delete_account(*, user: User, now: datetime) -> None:
    """Account deletion on its owner's request (PIPL art. 47).

    Personal data is removed (openid, nickname, name, phone, home, in-service registration
    details), every token dies (an inactive user's tokens are refused, and revocation is
    recorded), roles and team places end (what the account held as handler goes back to the
    committee's desk), the person record of the administration is
    unlinked, keyed-submission replies are dropped, and requests lose their link (closed ones
    also their address and photos). Requests still open keep being
    handled, anonymously; the timeline keeps naming the (now empty) user id.
    """
    user_id = user.id
    keep_one_admin(user_id)  # the platform never stays without an admin
    filenames = []
    for request in db.session.scalars(select(Request).where(Request.resident_id == user_id)):
        if request.status in OPEN_STATUSES:
            request.resident_id = None
        else:
            filenames += _strip(request, now)
    user.openid = user.nickname = user.name = user.phone = None
    user.phone_verified = False
    user.home_community_id = user.home_section_id = None
    user.is_active = False
    user.deleted_at = now
    user.grants.clear()
    served = set(db.session.scalars(select(Team.community_id).join(
        TeamMember, TeamMember.team_id == Team.id).where(TeamMember.user_id == user_id)))
    db.session.execute(delete(TeamMember).where(TeamMember.user_id == user_id))
    for community_id in sorted(served):  # what they held goes back to each committee's desk
        grid_hooks.member_left(user_id=user_id, community_id=community_id, now=now)
    db.session.execute(delete(SubscribeCredit).where(SubscribeCredit.user_id == user_id))
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(update(Person).where(Person.user_id == user_id)
                       .values(user_id=None, linked_at=None))
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id))
    db.session.execute(update(Registration).where(Registration.user_id == user_id)
                       .values(name=DELETED_NAME, phone="", work_unit="", party_branch="",
                               skills=None, status=RegistrationStatus.ENDED, live=None))
    db.session.add(RevokedToken(jti=f"user:{user_id}:deleted", user_id=user_id, reason="deleted",
                                created_at=now, expires_at=now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]))
    db.session.commit()
    _unlink(filenames)
