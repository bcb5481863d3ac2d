"""Residents' phone numbers: bound through WeChat's getPhoneNumber, shown masked.

The number is personal data. Everyone sees it masked (``138****1234``); who may read it unmasked
about a request is the request's concern (``server.requests.contact``).
"""

from __future__ import annotations

from datetime import datetime

from server.accounts import hooks
from server.accounts.models import User
from server.errors import Code, Invalid
from server.extensions import db
from server.privacy import mask_phone, normalize_phone
from server.wechat.client import WeChatClient, WeChatError

mask = mask_phone  # the one mask of server.privacy


def bind(*, user: User, code: str, now: datetime, client: WeChatClient | None = None) -> User:
    """Resolve a getPhoneNumber code and store the number on the caller's account."""
    client = client or WeChatClient.from_app()
    try:
        info = client.phone_number(code, now=now)  # before any write of ours
    except WeChatError as exc:
        if exc.errcode == 40029:
            raise Invalid("手机号授权已失效，请重新授权", code=Code.PHONE_CODE_INVALID,
                          errors={"code": ["invalid or used code"]}) from None
        raise
    user.phone = info.phone if info.country_code == "86" else f"+{info.country_code}{info.phone}"
    user.phone_verified = True
    db.session.flush()
    hooks.phone_bound(user, now)
    db.session.commit()
    return user


def type_in(*, user: User, phone: str, now: datetime) -> User:
    """The fallback when the getPhoneNumber API is not available (it is paid, and only for
    certified organisations): a typed mainland mobile, kept unverified."""
    number = normalize_phone(phone)
    if number is None:
        raise Invalid("请填写有效的手机号", code=Code.PHONE_INVALID, errors={"phone": ["not a mainland mobile"]})
    if user.phone_verified and user.phone == number:
        return user  # typing the verified number again changes nothing
    user.phone, user.phone_verified = number, False
    db.session.commit()
    return user
