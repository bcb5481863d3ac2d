"""The quarterly reminder: approved members with no service yet in the quarter are nudged,
and their committee is told who they are.

It runs daily and acts once the quarter has ``INSERVICE_REMINDER_DAYS`` days (default 30)
left; a ``Reminder`` row per member and quarter makes every later run a no-op for them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from server.accounts import service as accounts
from server.extensions import db
from server.inservice import periods
from server.inservice.enums import RegistrationStatus
from server.inservice.models import Activity, Registration, Reminder, Signup
from server.jobs import Job
from server.notifications.service import notify
from server.requests.models import Request


def remind_quiet_members(now: datetime) -> str:
    quarter, start, end = periods.quarter_of(now)
    days = int(current_app.config.get("INSERVICE_REMINDER_DAYS", 30))
    if now < end - timedelta(days=days):
        return f"{quarter}: not yet (reminders start {days} days before the quarter ends)"
    served_activity = exists().where(
        Signup.user_id == Registration.user_id, Signup.attended.is_(True),
        Signup.activity_id == Activity.id, Activity.community_id == Registration.community_id,
        Activity.starts_at >= start, Activity.starts_at < end)
    served_request = exists().where(
        Request.handler_id == Registration.user_id,
        Request.community_id == Registration.community_id,
        Request.resolved_at >= start, Request.resolved_at < end)
    reminded = exists().where(Reminder.registration_id == Registration.id,
                              Reminder.quarter == quarter)
    quiet = list(db.session.scalars(
        select(Registration)
        .where(Registration.status == RegistrationStatus.APPROVED, Registration.reviewed_at < now,
               ~served_activity, ~served_request, ~reminded)
        .order_by(Registration.id)
    ))
    by_community: dict[int, list[Registration]] = defaultdict(list)
    for registration in quiet:
        db.session.add(Reminder(registration_id=registration.id, quarter=quarter, created_at=now))
        by_community[registration.community_id].append(registration)
        notify(user_ids=[registration.user_id], kind="inservice_reminder", now=now,
               title="本季度尚无服务记录",
               body=f"您在{registration.community.name}本季度（{quarter}）尚无服务记录，"
                    "请在季度结束前参加社区活动或认领任务。",
               data={"registration_id": registration.id, "quarter": quarter})
    for community_id, registrations in by_community.items():
        committee = accounts.committee_of(community_id)
        names = "、".join(r.name for r in registrations[:20])
        count = len(registrations)
        more = f"等{count}人" if count > 20 else f"共{count}人"
        notify(user_ids=committee, kind="inservice_quiet_members", now=now,
               title="在职党员季度服务提醒",
               body=f"本季度（{quarter}）尚无服务记录的在职党员：{names}，{more}。",
               data={"quarter": quarter, "registration_ids": [r.id for r in registrations]})
    db.session.commit()
    return f"{quarter}: reminded {len(quiet)} member(s) in {len(by_community)} community(ies)"


JOBS = [
    Job("inservice.quarterly_reminder", remind_quiet_members,
        "remind in-service members with no service in the quarter, and tell their committee",
        trigger="cron", trigger_args={"hour": 9, "minute": 30}),
]
