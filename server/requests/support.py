""""Me too" (附议) and merging duplicates: one problem, one request, many followers.

A resident who finds their problem already reported backs that request instead of filing a
duplicate: they follow it (notified of its progress like its owner) and are counted on its
page, while every figure still counts the request once. The committee closes a duplicate
that was filed anyway into its original: the duplicate's owner and supporters follow the
original, and both timelines name each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.accounts.enums import Role
from server.accounts.models import User
from server.errors import Code, Conflict, Forbidden, Invalid, NotFound
from server.extensions import db
from server.requests import notices, workflow
from server.requests.enums import OPEN_STATUSES, Action
from server.requests.models import Request, Support


def _follow(request_id: int, user_ids: list[int], now: datetime) -> int:
    """Add followers to a request (those already following are skipped); how many were new.
    The count moves by increments, so concurrent supporters are all counted."""
    if not user_ids:
        return 0
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    added = len(db.session.execute(
        insert(Support).values([{"request_id": request_id, "user_id": u, "created_at": now}
                                for u in sorted(set(user_ids))])
        .on_conflict_do_nothing(index_elements=["request_id", "user_id"]).returning(Support.id)
    ).all())
    if added:
        db.session.execute(update(Request).where(Request.id == request_id)
                           .values(support_count=Request.support_count + added)
                           .execution_options(synchronize_session=False))
    return added


def _open_request(request_id: int) -> Request:
    request = db.session.get(Request, request_id)
    if request is None:
        raise NotFound("诉求不存在")
    return request


def support(*, request_id: int, user: User, now: datetime) -> Request:
    """Back an open request ("me too"); a second time is a 409."""
    if Role.RESIDENT not in user.roles:
        raise Forbidden("当前账号没有此角色")
    request = _open_request(request_id)
    if request.resident_id == user.id:
        raise Conflict("这是您自己提交的诉求", code=Code.OWN_REQUEST)
    if request.status not in OPEN_STATUSES:
        raise Conflict("该诉求已办结或关闭，无法附议", code=Code.STATUS_FORBIDS)
    if not _follow(request.id, [user.id], now):
        raise Conflict("您已附议过该诉求", code=Code.ALREADY_SUPPORTED)
    db.session.commit()
    db.session.refresh(request)
    return request


def withdraw(*, request_id: int, user: User, now: datetime) -> Request:
    """Withdraw one's support; 404 when there was none."""
    request = _open_request(request_id)
    removed = db.session.execute(
        delete(Support).where(Support.request_id == request.id, Support.user_id == user.id)
    ).rowcount
    if not removed:
        raise NotFound("您未附议该诉求")
    db.session.execute(update(Request).where(Request.id == request.id)
                       .values(support_count=Request.support_count - 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(request)
    return request


def follower_ids(request_id: int) -> list[int]:
    return list(db.session.scalars(select(Support.user_id).where(Support.request_id == request_id)
                                   .order_by(Support.user_id)))


def merge(*, request_id: int, into: int, actor: User, now: datetime, note: str | None = None) -> Request:
    """Close a duplicate into its open original (committee of both)."""
    from server.requests.service import get_visible

    duplicate, standing = get_visible(request_id, actor)
    _rule, relation = workflow.decide(duplicate, Action.MERGE, standing)
    if into == duplicate.id:
        raise Invalid("不能合并到自身", errors={"into": ["the request itself"]})
    try:
        original, theirs = get_visible(into, actor)
    except NotFound:
        raise Invalid("要合并到的诉求不存在", errors={"into": ["unknown request"]}) from None
    if original.community_id != duplicate.community_id:
        raise Invalid("只能合并同一社区的诉求", errors={"into": ["another community"]})
    _rule, their_relation = workflow.decide(original, Action.ABSORB, theirs)
    duplicate_id, duplicate_no, owner_id = duplicate.id, duplicate.no, duplicate.resident_id
    original_id, original_no = original.id, original.no
    workflow.apply(duplicate, Action.MERGE, actor_id=actor.id, relation=relation, now=now, note=note,
                   data={"into": original_no, "into_id": original_id},
                   changes={"duplicate_of_id": original_id})
    workflow.apply(original, Action.ABSORB, actor_id=actor.id, relation=their_relation, now=now,
                   data={"duplicate": duplicate_no, "duplicate_id": duplicate_id})
    followers = [u for u in [owner_id, *follower_ids(duplicate_id)]
                 if u is not None and u != original.resident_id]
    _follow(original_id, followers, now)
    notices.merged(duplicate, original_no, now=now)
    db.session.commit()
    return db.session.get(Request, duplicate_id)
