"""What each event tells whom. Every function writes notifications (and so the outbox) in the
caller's transaction; none commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.accounts import service as accounts
from server.duty import queries
from server.extensions import db
from server.notifications.service import Message, notify, notify_many
from server.requests import hooks
from server.requests.enums import Action, Hop
from server.requests.models import Request, Support


def _local(at: datetime) -> str:
    return at.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%m-%d %H:%M")


def _label(request: Request) -> str:
    return _labelled(request.category.name, request.no)


def _labelled(category_name: str, no: str) -> str:
    return f"{category_name}（{no}）"


@dataclass(frozen=True)
class Arrival:
    """A request that just arrived at a hop, as ``new_task`` needs it: a row of a sweep, or
    an ORM request (``Arrival.of``)."""

    request_id: int
    no: str
    category_name: str
    community_id: int
    hop: str | None
    team_id: int | None
    accept_deadline: datetime | None

    @classmethod
    def of(cls, request: Request) -> Arrival:
        return cls(request.id, request.no, request.category.name, request.community_id,
                   request.hop, request.team_id, request.accept_deadline)


def new_task(request: Request, *, now: datetime) -> None:
    """The request arrived at a hop: its team's on-duty members, or the committee."""
    arrival = Arrival.of(request)
    notify_many(_new_task_messages(
        arrival, on_duty=lambda team_id: queries.on_duty_user_ids(team_id, now),
        committee=accounts.committee_of, street=accounts.street_staff_of), now=now)


def new_tasks(arrivals: Sequence[Arrival], *, now: datetime) -> None:
    """``new_task`` for many requests (the escalation sweep): the same messages to the same
    people, found with one query per kind of recipient and written by one ``notify_many``."""
    teams = {a.team_id for a in arrivals if a.hop != Hop.STREET and a.team_id is not None}
    on_duty = queries.on_duty_members((team_id, now) for team_id in teams)
    communities = {a.community_id for a in arrivals if a.hop == Hop.STREET or a.team_id is None}
    committees = accounts.committee_members(communities)
    streets = accounts.street_staff({a.community_id for a in arrivals if a.hop == Hop.STREET})
    messages = [message for arrival in arrivals for message in _new_task_messages(
        arrival, on_duty=lambda team_id: on_duty[(team_id, now)],
        committee=lambda community_id: committees.get(community_id, []),
        street=lambda community_id: streets.get(community_id, []))]
    notify_many(messages, now=now)


def _new_task_messages(arrival: Arrival, *, on_duty: Callable[[int], list[int]],
                       committee: Callable[[int], list[int]],
                       street: Callable[[int], list[int]]) -> list[Message]:
    """What an arrival tells whom, given who is on duty in a team, who sits on a community's
    committee and who staffs its street: shared by ``new_task`` and ``new_tasks``."""
    label = _labelled(arrival.category_name, arrival.no)
    data = {"hop": arrival.hop}
    if arrival.hop == Hop.STREET:
        # The committee let its deadline pass: the street's staff supervise (督办), the
        # committee is told it went up.
        return [
            Message(street(arrival.community_id), "supervision", "督办：社区超时未处理诉求",
                    f"{label}社区未在时限内指派或吹哨，已转街道督办，请下达督办指示或直接吹哨",
                    arrival.request_id, data),
            Message(committee(arrival.community_id), "supervision", "诉求已转街道督办",
                    f"{label}社区未在时限内处理，已转街道督办", arrival.request_id, data),
        ]
    if arrival.team_id is not None:
        deadline = ""
        if arrival.accept_deadline is not None:
            deadline = f"，请于{_local(arrival.accept_deadline)}前接单"
        return [Message(on_duty(arrival.team_id), "new_task", "新的待接单诉求",
                        f"{label}{deadline}", arrival.request_id, data)]
    deadline = ""
    if arrival.accept_deadline is not None:
        deadline = f"，请于{_local(arrival.accept_deadline)}前处理，逾期将转街道督办"
    return [Message(committee(arrival.community_id), "task_committee", "诉求无人接单，已上交社区",
                    f"{label}需要社区指派或吹哨{deadline}", arrival.request_id, data)]


def instructed(request: Request, *, note: str | None, by: str, now: datetime) -> None:
    """The street (or the county) instructs the committee (督办指示)."""
    who = "县城乡治理服务中心" if by == "county" else "街道"
    deadline = ""
    if request.hop == Hop.COMMITTEE and request.accept_deadline is not None:
        deadline = f"，请于{_local(request.accept_deadline)}前处理"
    notify(user_ids=accounts.committee_of(request.community_id), kind="supervision_instruction",
           title=f"{who}督办指示", body=f"{_label(request)}：{note or ''}{deadline}", now=now,
           request_id=request.id, data={"hop": request.hop})


_FOR_RESIDENT = {
    Action.ACCEPT: ("request_accepted", "您的诉求已被接单", "{label}已有党员接单，正在处理"),
    Action.ASSIGN: ("request_accepted", "您的诉求已指派专人", "{label}已由社区指派专人处理"),
    Action.RESOLVE: ("request_resolved", "您的诉求已办理", "{label}已办理完毕，正在审核"),
    Action.APPROVE: ("request_closed", "您的诉求已办结", "{label}已办结，欢迎评价"),
    Action.REJECT: ("request_closed", "您的诉求已关闭", "{label}未能受理：{note}"),
}


def after_action(request: Request, action: Action, *, note: str | None, now: datetime) -> None:
    """Tell the resident when their request is accepted, resolved or closed, and those who
    back it ("me too", 附议) alike."""
    if action not in _FOR_RESIDENT:
        return
    kind, title, body = _FOR_RESIDENT[action]
    body = body.format(label=_label(request), note=note or "")
    if request.resident_id is not None:
        notify(user_ids=[request.resident_id], kind=kind, title=title, body=body, now=now,
               request_id=request.id)
    supporters = list(db.session.scalars(select(Support.user_id).where(Support.request_id == request.id)))
    if supporters:
        notify(user_ids=supporters, kind=kind, title=title.replace("您的诉求", "您附议的诉求"),
               body=body, now=now, request_id=request.id)


def merged(duplicate: Request, original_no: str, *, now: datetime) -> None:
    """The duplicate's resident follows the original from now on."""
    if duplicate.resident_id is not None:
        notify(user_ids=[duplicate.resident_id], kind="request_closed", title="您的诉求已合并",
               body=f"{_label(duplicate)}与{original_no}反映的是同一问题，已合并办理，"
                    "将随其进展通知您", now=now, request_id=duplicate.id)


def yellow(request: Request, *, now: datetime) -> None:
    """Most of the resolve time is used: the handler, or whoever holds the request now."""
    if request.handler_id is not None:
        users = [request.handler_id]
    elif request.team_id is not None:
        users = queries.on_duty_user_ids(request.team_id, now)
    else:
        users = accounts.committee_of(request.community_id)
    notify(user_ids=users, kind="light_yellow", title="黄灯预警：诉求即将超时",
           body=f"{_label(request)}将于{_local(request.resolve_deadline)}到期，请抓紧办理",
           now=now, request_id=request.id)


def red(request: Request, *, now: datetime) -> None:
    """Overdue: the committee supervises (督办)."""
    notify(user_ids=accounts.committee_of(request.community_id), kind="red_light",
           title="红灯预警：诉求已超时", body=f"{_label(request)}已超过办理时限，请督办",
           now=now, request_id=request.id)
    hooks.red_light(request, now)


def released(request: Request, *, now: datetime) -> None:
    """Its handler left the community's teams: the committee reassigns it."""
    notify(user_ids=accounts.committee_of(request.community_id), kind="handler_left",
           title="诉求待重新指派", body=f"{_label(request)}的办理人已调离服务队，请重新指派",
           now=now, request_id=request.id)


def whistle_overdue(request: Request, department_name: str, *, now: datetime) -> None:
    notify(user_ids=accounts.committee_of(request.community_id), kind="whistle_overdue",
           title="吹哨超时：部门未按时反馈", body=f"{_label(request)}已吹哨至{department_name}，"
           "部门未在时限内反馈，请督办", now=now, request_id=request.id)
