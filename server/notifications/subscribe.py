"""Subscribe messages (订阅消息): one-time credits and delivery of one notification.

The mini-program asks the user with ``wx.requestSubscribeMessage`` and reports the answers
(``POST /api/v1/me/subscriptions``); each ``accept`` is one credit for that template. WeChat
allows one message per credit, so ``deliver`` spends a credit before sending and gives it back
when the message did not go out for a reason of ours or WeChat's (busy, unreachable).

``deliver(notification, now)`` is the ``wechat`` channel of the notifications outbox: it needs
nothing but the notification, commits its own bookkeeping (so call it outside an open write),
and returns an :class:`Outcome` — ``sent``; ``skipped`` (no template, no openid, no credit, or
WeChat's 43101: the user refused; never retried); or ``retry`` with the error, for the outbox
to try again later with backoff.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server.accounts.models import User
from server.discovery import emit
from server.errors import DomainError, Invalid
from server.extensions import db
from server.wechat.client import WeChatClient, WeChatError
from server.wechat.models import SubscribeCredit

log = logging.getLogger(__name__)

SENT, SKIPPED, RETRY = "sent", "skipped", "retry"
# Listeners of this event return the template values of the request a notification is about.
TEMPLATE_VALUES = "notifications.template_values"
REFUSED = 43101  # the user refused or has no credit left: a normal outcome
MAX_CREDITS = 50  # WeChat accumulates acceptances; a runaway client should not


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | skipped | retry
    reason: str | None = None  # why skipped
    error: str | None = None  # why it should be retried
    msgid: str | None = None


def templates() -> dict[str, dict]:
    return current_app.config["WECHAT_TEMPLATES"]


def template_ids() -> dict[str, str]:
    """Template id → kind, for the templates configured."""
    return {t["id"]: kind for kind, t in templates().items()}


# --- credits ----------------------------------------------------------------------------------


def record_answers(*, user: User, answers: dict[str, str], now: datetime) -> dict[str, int]:
    """Record ``wx.requestSubscribeMessage`` answers; returns the credits now held per template.

    ``answers`` maps template ids to ``accept`` / ``reject`` / ``ban`` / ``filter``; only
    ``accept`` adds a credit. Unknown template ids are a 422 (nothing is recorded).
    """
    known = template_ids()
    unknown = sorted(t for t in answers if t not in known)
    if unknown:
        raise Invalid("未知的订阅消息模板",
                      errors={"results": {t: ["unknown template"] for t in unknown}})
    for template_id, answer in sorted(answers.items()):
        if answer == "accept":
            _add_credit(user.id, template_id, now)
    db.session.commit()
    return credits_of(user.id)


def _add_credit(user_id: int, template_id: str, now: datetime) -> None:
    bump = (
        update(SubscribeCredit)
        .where(SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == template_id)
        .values(credits=db.func.min(SubscribeCredit.credits + 1, MAX_CREDITS)
                if db.engine.dialect.name == "sqlite"
                else db.func.least(SubscribeCredit.credits + 1, MAX_CREDITS),
                updated_at=now)
    )
    if db.session.execute(bump).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(SubscribeCredit(user_id=user_id, template_id=template_id, credits=1,
                                           updated_at=now))
    except IntegrityError:  # created at the same moment by another request
        db.session.execute(bump)


def credits_of(user_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(SubscribeCredit.template_id, SubscribeCredit.credits)
        .where(SubscribeCredit.user_id == user_id)
    )
    return {template_id: credits for template_id, credits in rows}


def _spend(user_id: int, template_id: str, now: datetime) -> bool:
    result = db.session.execute(
        update(SubscribeCredit)
        .where(SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == template_id,
               SubscribeCredit.credits > 0)
        .values(credits=SubscribeCredit.credits - 1, updated_at=now)
    )
    return result.rowcount == 1


def _give_back(user_id: int, template_id: str, now: datetime) -> None:
    db.session.execute(
        update(SubscribeCredit)
        .where(SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == template_id)
        .values(credits=SubscribeCredit.credits + 1, updated_at=now)
    )


def _forget(user_id: int, template_id: str, now: datetime) -> None:
    """WeChat says no credit is left (43101): ours were out of step, so drop them."""
    db.session.execute(
        update(SubscribeCredit)
        .where(SubscribeCredit.user_id == user_id, SubscribeCredit.template_id == template_id)
        .values(credits=0, updated_at=now)
    )


# --- delivery ---------------------------------------------------------------------------------


def deliver(notification, now: datetime, *, client: WeChatClient | None = None) -> Outcome:
    """Send one notification as a subscribe message (see the module's docstring)."""
    template = templates().get(notification.kind)
    if template is None:
        return Outcome(SKIPPED, reason="no_template")
    user = db.session.get(User, notification.user_id)
    if user is None or not user.openid or not user.is_active:
        return Outcome(SKIPPED, reason="no_openid")
    template_id = template["id"]
    if not _spend(user.id, template_id, now):
        db.session.commit()
        return Outcome(SKIPPED, reason="no_credit")
    data = render(template, notification)
    db.session.commit()  # the credit is spent before the call: never two messages for one
    client = client or WeChatClient.from_app()
    page = (template.get("page") or "").format(request_id=notification.request_id or "")
    try:
        msgid = client.send_subscribe(
            touser=user.openid, template_id=template_id, data=data, page=page or None,
            state=current_app.config["WECHAT_MINIPROGRAM_STATE"], now=now,
        )
    except WeChatError as exc:
        if exc.errcode == REFUSED:
            _forget(user.id, template_id, now)
            db.session.commit()
            return Outcome(SKIPPED, reason="refused")
        log.error("subscribe message %s (%s) failed: errcode %s", notification.id,
                  notification.kind, exc.errcode)
        return _retry(user.id, template_id, now, f"errcode {exc.errcode}: {exc.errmsg}"[:200])
    except DomainError as exc:  # unreachable, busy, quota: WeChat did not take it
        log.warning("subscribe message %s (%s) not sent: %s", notification.id,
                    notification.kind, exc.code)
        return _retry(user.id, template_id, now, f"{exc.code}: {exc.msg}")
    return Outcome(SENT, msgid=msgid)


def _retry(user_id: int, template_id: str, now: datetime, error: str) -> Outcome:
    _give_back(user_id, template_id, now)
    db.session.commit()
    return Outcome(RETRY, error=error)


# --- values -----------------------------------------------------------------------------------


def render(template: dict, notification) -> dict[str, str]:
    """The template's keys filled from the notification and its request, cut to WeChat's limits."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    values: dict = {
        "title": notification.title, "body": notification.body,
        "time": notification.created_at.astimezone(tz),
    }
    if notification.request_id:  # the request's values come from requests (a listener)
        for found in emit(TEMPLATE_VALUES, request_id=notification.request_id, tz=tz):
            values.update(found)
    data = notification.data or {}
    out = {}
    for key, source in template["fields"].items():
        value = data.get(source[5:]) if source.startswith("data.") else values.get(source)
        out[key] = fit(key, value)
    return out


_CJK = re.compile(r"[\u4e00-\u9fff]")


def fit(key: str, value) -> str:
    """``value`` shaped for a key of type ``thing``, ``phrase``, ``time``…: cut to WeChat's
    limit for that type (a longer value makes WeChat refuse the whole message, 47003)."""
    kind = key.rstrip("0123456789")
    if isinstance(value, datetime):
        text = value.strftime("%Y年%m月%d日" if kind == "date" else "%Y年%m月%d日 %H:%M")
    else:
        text = " ".join(str(value if value is not None else "").split())
    if kind == "thing":
        text = _cut(text, 20)
    elif kind == "phrase":  # at most 5 Chinese characters, nothing else
        text = "".join(_CJK.findall(text))[:5]
    elif kind == "character_string":
        text = re.sub(r"[^\x21-\x7e]", "", text)[:32]
    elif kind == "number":
        text = re.sub(r"[^0-9.]", "", text)[:32]
    elif kind == "letter":
        text = re.sub(r"[^A-Za-z]", "", text)[:32]
    elif kind == "symbol":
        text = text[:5]
    elif kind == "name":
        text = text[:10] if _CJK.search(text) else text[:20]
    elif kind == "phone_number":
        text = re.sub(r"[^0-9+\-]", "", text)[:17]
    elif kind == "car_number":
        text = text[:8]
    elif kind == "amount":
        text = text[:11]
    elif kind in ("time", "date"):
        text = text[:32]
    return text or ("无" if kind in ("thing", "phrase", "name") else "-")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
