"""Content security (内容安全): texts through ``msg_sec_check`` v2, photos through
``media_check_async`` v2 and the signed message-push callback.

- A request's text and every note are checked before they are written: ``risky`` is refused
  with a clear message; ``review`` is accepted but held from public view until the committee
  clears it.
- When WeChat cannot answer (unreachable, busy, quota), nothing is lost: the text is written,
  its check is queued (``ContentCheck`` without a verdict) and retried by the job
  ``wechat.content_checks`` with backoff; meanwhile the request is private (``pending``).
- Photos start ``pending``; the job submits them to ``media_check_async`` and the push callback
  (``POST /wechat/push``, event ``wxa_media_check``) brings the verdict. A photo is public only once it ``pass``-ed.

``Request.moderation`` is the worst verdict over its texts (``risky`` > ``review`` >
``pending`` > ``pass``); ``Photo.moderation`` is each photo's own. Public faces must show only
``public_clause()`` requests and ``public_photos()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from server.accounts.models import User
from server.errors import Code, DomainError, Invalid
from server.extensions import db
from server.requests.models import ContentCheck, Event, Photo, Request, url_for_photo
from server.wechat.client import WeChatClient, WeChatError

log = logging.getLogger(__name__)

PASS, REVIEW, RISKY, PENDING, CLEARED = "pass", "review", "risky", "pending", "cleared"
_RANK = {RISKY: 3, REVIEW: 2, PENDING: 1, PASS: 0, CLEARED: 0}
# WeChat cannot judge these automatically (no openid, the user not seen for 2 hours, an openid
# of another appid): a person decides, so the text is held for the committee.
UNCHECKABLE = {40003, 43104, 61010}
MEDIA_VERDICT_WAIT = timedelta(minutes=60)  # WeChat promises a verdict within 30 minutes
MAX_BACKOFF = timedelta(hours=1)


def enabled() -> bool:
    return bool(current_app.config.get("WECHAT_CONTENT_CHECK", True))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Screen:
    verdict: str | None  # pass | review | risky; None: not known yet (WeChat did not answer)
    label: int | None = None
    trace_id: str | None = None
    error: str | None = None


def screen_text(*, author: User | None, text: str | None, now: datetime,
                client: WeChatClient | None = None) -> Screen:
    """Check a text before it is written (call it before the use case's first write).

    Raises a 422 when WeChat says ``risky``; otherwise returns what to record.
    """
    if not text or not text.strip() or not enabled():
        return Screen(PASS)
    screen = _ask(author, text, now, client)
    if screen.verdict == RISKY:
        log.info("text refused by content security (label %s)", screen.label)
        raise Invalid("内容含有违规信息，请修改后重新提交", code=Code.CONTENT_RISKY,
                      errors={"_content": [f"risky content (label {screen.label})"]})
    return screen


def _ask(author: User | None, text: str, now: datetime, client: WeChatClient | None) -> Screen:
    if author is None or not author.openid:
        return Screen(REVIEW, error="no openid: held for the committee")
    client = client or WeChatClient.from_app()
    try:
        verdict = client.check_text(openid=author.openid, content=text, now=now)
    except WeChatError as exc:
        if exc.errcode in UNCHECKABLE:
            return Screen(REVIEW, error=f"errcode {exc.errcode}: held for the committee")
        log.warning("msg_sec_check failed: errcode %s; queued for retry", exc.errcode)
        return Screen(None, error=f"errcode {exc.errcode}: {exc.errmsg}"[:200])
    except DomainError as exc:
        log.warning("msg_sec_check not answered (%s); queued for retry", exc.code)
        return Screen(None, error=f"{exc.code}: {exc.msg}")
    return Screen(verdict.suggest, verdict.label, verdict.trace_id)


def record_text(*, screen: Screen, request_id: int, author: User | None, now: datetime,
                event_id: int | None = None, refresh: bool = True) -> None:
    """Keep the verdict (or queue the retry) and bring the request's moderation up to date
    (``refresh=False``: the caller set it already, from ``moderation_of``)."""
    pending = screen.verdict is None
    db.session.add(ContentCheck(
        kind="text", request_id=request_id, event_id=event_id,
        author_id=author.id if author else None, verdict=screen.verdict, label=screen.label,
        attempts=1, next_attempt_at=now + backoff(1) if pending else None,
        last_error=screen.error, created_at=now, checked_at=None if pending else now,
    ))
    if refresh:
        db.session.flush()
        refresh_request(request_id)


def moderation_of(verdicts) -> str:
    """A request's moderation from the verdicts on its texts (None: not answered yet): the
    worst of them; a text the committee cleared counts as passed."""
    worst = max((v or PENDING for v in verdicts), key=_RANK.__getitem__, default=PASS)
    return PASS if worst == CLEARED else worst


def refresh_request(request_id: int) -> str:
    state = moderation_of(db.session.scalars(
        select(ContentCheck.verdict).where(ContentCheck.kind == "text",
                                           ContentCheck.request_id == request_id)
    ))
    db.session.execute(update(Request).where(Request.id == request_id).values(moderation=state))
    return state


def queue_photos(*, request_id: int, now: datetime) -> None:
    """Queue a media check for each of the request's photos not checked yet."""
    checked = select(ContentCheck.photo_id).where(ContentCheck.photo_id.is_not(None))
    photos = list(db.session.scalars(
        select(Photo).where(Photo.request_id == request_id, Photo.moderation == PENDING,
                            Photo.id.not_in(checked))
    ))
    for photo in photos:
        if not enabled():
            photo.moderation = PASS
            continue
        db.session.add(ContentCheck(kind="media", request_id=request_id, photo_id=photo.id,
                                    author_id=photo.owner_id, scene=2, created_at=now,
                                    next_attempt_at=now))
    db.session.flush()


# --- the retry job ----------------------------------------------------------------------------


def run_due_checks(now: datetime, *, limit: int = 100, client: WeChatClient | None = None) -> dict:
    """Check queued texts again and send queued photos to WeChat; each check commits alone."""
    due = list(db.session.scalars(
        select(ContentCheck.id)
        .where(ContentCheck.verdict.is_(None), ContentCheck.next_attempt_at <= now)
        .order_by(ContentCheck.next_attempt_at, ContentCheck.id).limit(limit)
    ))
    db.session.commit()  # no open transaction while WeChat is called
    counts = {"checked": 0, "submitted": 0, "failed": 0}
    client = client or WeChatClient.from_app()
    for check_id in due:
        check = db.session.get(ContentCheck, check_id)
        if check is None or check.verdict is not None:
            continue
        outcome = _retry_text(check, now, client) if check.kind == "text" else \
            _submit_media(check, now, client)
        counts[outcome] += 1
        db.session.commit()
    return counts


def _retry_text(check: ContentCheck, now: datetime, client: WeChatClient) -> str:
    text = (db.session.get(Event, check.event_id).note if check.event_id
            else db.session.get(Request, check.request_id).description)
    author = db.session.get(User, check.author_id) if check.author_id else None
    screen = _ask(author, text or "", now, client) if text else Screen(PASS)
    check.attempts += 1
    if screen.verdict is None:
        check.last_error = screen.error
        check.next_attempt_at = now + backoff(check.attempts)
        return "failed"
    check.verdict, check.label, check.checked_at = screen.verdict, screen.label, now
    check.last_error, check.next_attempt_at = screen.error, None
    db.session.flush()
    refresh_request(check.request_id)
    return "checked"


def _submit_media(check: ContentCheck, now: datetime, client: WeChatClient) -> str:
    photo = db.session.get(Photo, check.photo_id)
    owner = db.session.get(User, check.author_id) if check.author_id else None
    check.attempts += 1
    if owner is None or not owner.openid:
        check.verdict, check.checked_at, check.next_attempt_at = REVIEW, now, None
        check.last_error = "no openid: held for the committee"
        photo.moderation = REVIEW
        return "checked"
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for_photo(photo)
    try:
        trace_id = client.check_media_async(openid=owner.openid, media_url=url, now=now)
    except DomainError as exc:
        errcode = getattr(exc, "errcode", exc.code)
        log.warning("media_check_async failed (%s); retried later", errcode)
        check.last_error = f"{errcode}: {getattr(exc, 'errmsg', '') or exc.msg}"[:200]
        check.next_attempt_at = now + backoff(check.attempts)
        return "failed"
    # No verdict within the wait: the job submits the photo again.
    check.trace_id, check.submitted_at = trace_id, now
    check.next_attempt_at, check.last_error = now + MEDIA_VERDICT_WAIT, None
    return "submitted"


# --- the verdict callback and the committee ---------------------------------------------------


def record_media_verdict(event: dict, now: datetime) -> bool:
    """A ``wxa_media_check`` push: store the verdict of the photo it is about."""
    check = db.session.scalar(select(ContentCheck).where(
        ContentCheck.trace_id == str(event.get("trace_id") or "")))
    if check is None or check.verdict is not None:
        return False
    result = event.get("result") or {}
    suggest = result.get("suggest")
    if int(event.get("errcode") or 0) != 0 or suggest not in (PASS, REVIEW, RISKY):
        check.last_error = f"check failed: errcode {event.get('errcode')}"
        check.trace_id, check.next_attempt_at = None, now  # submit again
    else:
        check.verdict, check.label, check.checked_at = suggest, result.get("label"), now
        check.next_attempt_at = None
        db.session.execute(update(Photo).where(Photo.id == check.photo_id)
                           .values(moderation=suggest))
    db.session.commit()
    return True


def clear_held(*, request: Request, now: datetime) -> dict:
    """The committee releases what WeChat flagged ``review`` (text and photos); ``risky``
    stays hidden. Returns what was cleared; the caller records the timeline event."""
    texts = db.session.execute(
        update(ContentCheck)
        .where(ContentCheck.request_id == request.id, ContentCheck.verdict == REVIEW)
        .values(verdict=CLEARED, checked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    photos = db.session.execute(
        update(Photo).where(Photo.request_id == request.id, Photo.moderation == REVIEW)
        .values(moderation=PASS).execution_options(synchronize_session=False)
    ).rowcount
    refresh_request(request.id)
    return {"texts": texts, "photos": photos}


def public_clause():
    """The requests public faces (sunlight list, Open311) may show."""
    return Request.moderation == PASS


def public_photos(request: Request) -> list[Photo]:
    return [photo for photo in request.photos if photo.moderation == PASS]
