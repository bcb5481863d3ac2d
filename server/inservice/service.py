"""Use cases of in-service party members. Each takes an explicit actor and ``now``, raises
domain errors and commits once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import RoleGrant, User
from server.audit.service import audit
from server.errors import Code, Conflict, Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid import hooks as grid_hooks
from server.grid.enums import Post
from server.grid.models import Community, Section, Team, TeamMember
from server.inservice import access
from server.inservice.enums import (
    GRADE_LABELS,
    LIVE_STATUSES,
    Grade,
    RegistrationStatus,
    SignupStatus,
)
from server.inservice.models import Activity, Evaluation, Registration, Signup
from server.notifications.service import notify
from server.privacy import normalize_phone

RS = RegistrationStatus


# --- registration and review --------------------------------------------------------------


def register(*, user: User, name: str, work_unit: str, party_branch: str, community_id: int,
             section_id: int, now: datetime, skills: list[str] | None = None,
             phone: str | None = None) -> Registration:
    """Register at the home community; pending until its committee reviews it.

    A phone already bound through WeChat wins over a typed one. A pending registration at
    another community is superseded (the person moved again before it was reviewed).
    """
    community = db.session.get(Community, community_id)
    if community is None or not community.is_active:
        raise Invalid("社区不存在", errors={"community_id": ["unknown community"]})
    section = db.session.get(Section, section_id)
    if section is None or not section.is_active or section.grid.community_id != community.id:
        raise Invalid("所选片区不属于该社区",
                      errors={"section_id": ["not a section of this community"]})
    phone = user.phone or normalize_phone(phone)
    if not phone:
        raise Invalid("请绑定或填写有效的手机号", code=Code.INSERVICE_PHONE_REQUIRED,
                      errors={"phone": ["a mainland mobile number is required"]})
    registration = Registration(
        user_id=user.id, community_id=community.id, section_id=section.id, name=name,
        phone=phone, work_unit=work_unit, party_branch=party_branch, skills=skills or [],
        status=RS.PENDING, live=True, created_at=now,
    )
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您在该社区已有待审核或已通过的报到", code=Code.INSERVICE_REGISTERED) from None
    db.session.execute(
        update(Registration)
        .where(Registration.user_id == user.id, Registration.status == RS.PENDING,
               Registration.community_id != community.id)
        .values(status=RS.ENDED, live=None, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    notify(user_ids=accounts.committee_of(community.id), kind="inservice_registered",
           title="新的在职党员报到申请", now=now,
           body=f"{community.name}收到一份在职党员报到申请（{work_unit}），请审核。",
           data={"registration_id": registration.id})
    db.session.commit()
    return registration


def require_committee(user: User) -> None:
    if not accounts.committee_communities(user):
        raise Forbidden("只有社区两委可以执行此操作")


def reviewable(registration_id: int, actor: User) -> Registration:
    """A registration of a community ``actor`` sits on the committee of (others: 404)."""
    require_committee(actor)
    registration = db.session.get(Registration, registration_id)
    if registration is None or not accounts.is_committee_of(actor, registration.community_id):
        raise NotFound("报到申请不存在")
    return registration


def _decide(registration: Registration, values: dict) -> None:
    """Move a pending registration on; two reviewers at once: the second gets 409."""
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.status == RS.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("该报到申请已处理", code=Code.INSERVICE_NOT_PENDING)
    db.session.expire(registration)


def approve(*, actor: User, registration_id: int, now: datetime) -> Registration:
    """The applicant becomes a ``member`` on the B-post team of their section; an approved
    registration at another community ends (they moved home)."""
    registration = reviewable(registration_id, actor)
    if registration.status != RS.PENDING:
        raise Conflict("该报到申请已处理", code=Code.INSERVICE_NOT_PENDING)
    team = db.session.scalar(select(Team).where(
        Team.post == Post.B, Team.section_id == registration.section_id, Team.is_active.is_(True)))
    if team is None:
        raise Conflict("该片区尚未设立先锋服务队", code=Code.INSERVICE_NO_B_TEAM)
    user_id = registration.user_id
    _decide(registration, {"status": RS.APPROVED, "team_id": team.id, "reviewed_by_id": actor.id,
                           "reviewed_at": now})
    for old in db.session.scalars(select(Registration).where(
            Registration.user_id == user_id, Registration.status == RS.APPROVED,
            Registration.id != registration.id)):
        old.status, old.live, old.ended_at = RS.ENDED, None, now
        if old.team_id is not None and old.team_id != team.id:
            db.session.execute(update(TeamMember).where(
                TeamMember.team_id == old.team_id, TeamMember.user_id == user_id,
            ).values(is_active=False))
            # What they held in the community they left goes back to its committee's desk.
            grid_hooks.member_left(user_id=user_id, community_id=old.community_id, now=now)
    user = db.session.get(User, user_id)
    if not accounts.has_role(user, Role.MEMBER):
        # Through the relationship, so that ``user.grants`` (loaded in this transaction) holds
        # the new role for anything that asks again before the commit.
        user.grants.append(RoleGrant(role=Role.MEMBER, granted_by_id=actor.id, created_at=now))
    seat = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                      TeamMember.user_id == user_id))
    if seat is None:
        db.session.add(TeamMember(team_id=team.id, user_id=user_id, joined_at=now))
    else:
        seat.is_active = True
    user.home_community_id = registration.community_id
    user.home_section_id = registration.section_id
    notify(user_ids=[user_id], kind="registration_reviewed", title="报到申请已通过", now=now,
           body=f"您已在{registration.community.name}报到成功，加入{team.name}。",
           data={"registration_id": registration.id, "result": "通过"})
    audit(actor=actor, action="inservice.approve", subject="registration", subject_id=registration.id,
          user_id=user_id, community_id=registration.community_id, now=now, data={"team_id": team.id})
    db.session.commit()
    return registration


def reject(*, actor: User, registration_id: int, reason: str, now: datetime) -> Registration:
    registration = reviewable(registration_id, actor)
    _decide(registration, {"status": RS.REJECTED, "live": None, "reason": reason,
                           "reviewed_by_id": actor.id, "reviewed_at": now})
    notify(user_ids=[registration.user_id], kind="registration_reviewed", title="报到申请未通过",
           body=f"您在{registration.community.name}的报到申请未通过：{reason}", now=now,
           data={"registration_id": registration.id, "result": "未通过"})
    audit(actor=actor, action="inservice.reject", subject="registration", subject_id=registration.id,
          user_id=registration.user_id, community_id=registration.community_id, now=now)
    db.session.commit()
    return registration


def end_registration(*, actor: User, registration_id: int, now: datetime,
                     reason: str | None = None) -> Registration:
    """End an in-service registration: the member themself (moved away, retired) or the
    committee of its community, with a reason. The B-post seat it gave is released; the
    committee (or the member) is told."""
    registration = db.session.get(Registration, registration_id)
    own = registration is not None and registration.user_id == actor.id
    if registration is None or not (own or accounts.is_committee_of(actor, registration.community_id)):
        raise NotFound("报到申请不存在")
    if not own and not (reason or "").strip():
        raise Invalid("请填写结束原因", code=Code.END_REASON_REQUIRED, errors={"reason": ["required"]})
    ended = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.status.in_(LIVE_STATUSES))
        .values(status=RS.ENDED, live=None, ended_at=now, reason=reason)
        .execution_options(synchronize_session=False))
    if ended.rowcount != 1:
        db.session.rollback()
        raise Conflict("该报到已结束或未通过", code=Code.INSERVICE_ENDED)
    db.session.expire(registration)
    user_id, community = registration.user_id, registration.community
    if registration.team_id is not None:
        db.session.execute(update(TeamMember).where(
            TeamMember.team_id == registration.team_id, TeamMember.user_id == user_id)
            .values(is_active=False))
        # Their seat ended as a removal does: what they held goes back to the committee's desk.
        grid_hooks.member_left(user_id=user_id, community_id=registration.community_id, now=now)
    user = db.session.get(User, user_id)
    if user.home_community_id == registration.community_id:
        user.home_community_id = user.home_section_id = None
    withdrawn = _withdraw_upcoming(user_id, community.id, now)
    titles = "、".join(f"“{a.title}”" for a in withdrawn)
    if own:
        notify(user_ids=accounts.committee_of(community.id), kind="inservice_ended",
               title="在职党员结束报到", now=now,
               body=f"{registration.name}（{registration.work_unit}）已结束在{community.name}的报到"
               + (f"：{reason}" if reason else "。")
               + (f"其报名的未开始活动已退出：{titles}。" if withdrawn else ""),
               data={"registration_id": registration.id,
                     "withdrawn_activity_ids": [a.id for a in withdrawn]})
    else:
        notify(user_ids=[user_id], kind="registration_reviewed", title="报到已结束", now=now,
               body=f"社区已结束您在{community.name}的报到：{reason}"
               + (f"。您报名的未开始活动已为您退出：{titles}。" if withdrawn else ""),
               data={"registration_id": registration.id, "result": "已结束",
                     "withdrawn_activity_ids": [a.id for a in withdrawn]})
    audit(actor=actor, action="inservice.end", subject="registration", subject_id=registration.id,
          user_id=user_id, community_id=community.id, now=now,
          data={"by": "member" if own else "committee",
                "withdrawn": [a.id for a in withdrawn]})
    db.session.commit()
    return registration


def evaluate(*, actor: User, registration_id: int, year: int, grade: str,
             comment: str | None, now: datetime) -> Evaluation:
    """The committee's yearly evaluation; setting it again replaces the earlier one."""
    registration = reviewable(registration_id, actor)
    if registration.reviewed_at is None or registration.status not in (RS.APPROVED, RS.ENDED):
        raise Conflict("该成员未通过报到，不能评议", code=Code.INSERVICE_NOT_APPROVED)
    evaluation = db.session.scalar(select(Evaluation).where(
        Evaluation.registration_id == registration.id, Evaluation.year == year))
    if evaluation is None:
        evaluation = Evaluation(registration_id=registration.id, year=year, created_at=now,
                                grade=grade, evaluated_by_id=actor.id, updated_at=now)
        db.session.add(evaluation)
    evaluation.grade, evaluation.comment = grade, comment
    evaluation.evaluated_by_id, evaluation.updated_at = actor.id, now
    notify(user_ids=[registration.user_id], kind="inservice_evaluated", now=now,
           title=f"{year}年度评议结果",
           body=f"社区对您{year}年度的评议为：{GRADE_LABELS[Grade(grade)]}。",
           data={"registration_id": registration.id, "year": year})
    audit(actor=actor, action="inservice.evaluate", subject="registration", subject_id=registration.id,
          user_id=registration.user_id, community_id=registration.community_id, now=now,
          data={"year": year, "grade": grade})
    db.session.commit()
    return evaluation


# --- service activities --------------------------------------------------------------------


def create_activity(*, actor: User, community_id: int, title: str, starts_at: datetime,
                    ends_at: datetime, capacity: int, hours: float, now: datetime,
                    description: str | None = None, place: str | None = None) -> Activity:
    if not accounts.is_committee_of(actor, community_id):
        raise Forbidden("只有该社区的两委可以发布活动")
    if ends_at <= starts_at:
        raise Invalid("结束时间须晚于开始时间", errors={"ends_at": ["must be after starts_at"]})
    if starts_at <= now:
        raise Invalid("开始时间须晚于现在", errors={"starts_at": ["must be in the future"]})
    activity = Activity(community_id=community_id, title=title, description=description,
                        starts_at=starts_at, ends_at=ends_at, capacity=capacity, taken=0,
                        hours=hours, place=place, created_by_id=actor.id, created_at=now)
    db.session.add(activity)
    db.session.flush()
    members = _serving_user_ids(community_id)
    notify(user_ids=members, kind="activity_posted", title="新的志愿服务活动", now=now,
           body=f"{title}（名额{capacity}人），欢迎报名。", data={"activity_id": activity.id})
    audit(actor=actor, action="activity.create", subject="activity", subject_id=activity.id,
          community_id=community_id, now=now)
    db.session.commit()
    return activity


def _serving_user_ids(community_id: int) -> list[int]:
    on_teams = select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id).where(
        Team.community_id == community_id, TeamMember.is_active.is_(True))
    registered = select(Registration.user_id).where(
        Registration.community_id == community_id, Registration.status == RS.APPROVED)
    return sorted(set(db.session.scalars(on_teams)) | set(db.session.scalars(registered)))


def visible_activity(activity_id: int, user: User) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not access.can_see(user, activity.community_id):
        raise NotFound("活动不存在")
    return activity


def signup(*, actor: User, activity_id: int, now: datetime) -> Signup:
    """Take a seat. The seat is claimed by a conditional UPDATE (``taken < capacity``), so
    that many people racing for the last seat yield exactly one success on any database."""
    activity = visible_activity(activity_id, actor)
    if activity.community_id not in access.serving_communities(actor.id):
        raise Forbidden("只有在本社区服务的党员可以报名")
    _check_not_cancelled(activity)
    if activity.starts_at <= now:
        raise Conflict("活动已开始，不能报名", code=Code.ACTIVITY_STARTED)
    existing = db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                      Signup.user_id == actor.id))
    if existing is not None and existing.status == SignupStatus.SIGNED_UP:
        raise Conflict("您已报名该活动", code=Code.ACTIVITY_SIGNED_UP)
    claimed = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.taken < Activity.capacity,
               Activity.starts_at > now, Activity.cancelled_at.is_(None))
        .values(taken=Activity.taken + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise Conflict("活动名额已满", code=Code.ACTIVITY_FULL)
    if existing is None:
        existing = Signup(activity_id=activity.id, user_id=actor.id, status=SignupStatus.SIGNED_UP,
                          signed_up_at=now)
        db.session.add(existing)
    else:  # back after a withdrawal: one conditional UPDATE, so two at once cannot both return
        back = db.session.execute(
            update(Signup)
            .where(Signup.id == existing.id, Signup.status != SignupStatus.SIGNED_UP)
            .values(status=SignupStatus.SIGNED_UP, signed_up_at=now, withdrawn_at=None)
            .execution_options(synchronize_session=False)
        )
        if back.rowcount != 1:
            db.session.rollback()  # the seat claimed above goes back too
            raise Conflict("您已报名该活动", code=Code.ACTIVITY_SIGNED_UP)
    try:
        db.session.commit()
    except IntegrityError:  # the same person twice at once: the seat goes back with the rollback
        db.session.rollback()
        raise Conflict("您已报名该活动", code=Code.ACTIVITY_SIGNED_UP) from None
    db.session.refresh(existing)
    return existing


def withdraw(*, actor: User, activity_id: int, now: datetime) -> Signup:
    activity = visible_activity(activity_id, actor)
    _check_not_cancelled(activity)
    if activity.starts_at <= now:
        raise Conflict("活动已开始，不能退出", code=Code.ACTIVITY_STARTED)
    seat = db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                  Signup.user_id == actor.id))
    if not _release_seat(activity.id, actor.id, now):
        raise Conflict("您未报名该活动", code=Code.ACTIVITY_NOT_SIGNED_UP)
    db.session.commit()
    db.session.refresh(seat)
    return seat


def _release_seat(activity_id: int, user_id: int, now: datetime) -> bool:
    """Withdraw one sign-up and give its seat back; False when it was not signed up. The
    sign-up moves by a conditional UPDATE, so a seat is never released twice."""
    left = db.session.execute(
        update(Signup)
        .where(Signup.activity_id == activity_id, Signup.user_id == user_id,
               Signup.status == SignupStatus.SIGNED_UP)
        .values(status=SignupStatus.WITHDRAWN, withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    if left.rowcount != 1:
        return False
    db.session.execute(update(Activity).where(Activity.id == activity_id)
                       .values(taken=Activity.taken - 1))
    return True


def _withdraw_upcoming(user_id: int, community_id: int, now: datetime) -> list[Activity]:
    """After a registration ended: the member's sign-ups to the community's activities that
    have not started are withdrawn, unless they still serve there (on a duty team). Started
    activities keep theirs (attendance may still be confirmed); cancelled ones keep theirs
    as history."""
    if community_id in access.serving_communities(user_id):
        return []
    upcoming = db.session.scalars(
        select(Activity).join(Signup, Signup.activity_id == Activity.id)
        .where(Activity.community_id == community_id, Activity.starts_at > now,
               Activity.cancelled_at.is_(None), Signup.user_id == user_id,
               Signup.status == SignupStatus.SIGNED_UP)
        .order_by(Activity.starts_at, Activity.id))
    return [a for a in list(upcoming) if _release_seat(a.id, user_id, now)]


def committee_activity(activity_id: int, actor: User) -> Activity:
    """An activity of a community ``actor`` sits on the committee of; 403/404 otherwise."""
    activity = visible_activity(activity_id, actor)
    if not accounts.is_committee_of(actor, activity.community_id):
        raise Forbidden("只有该社区的两委可以执行此操作")
    return activity


def confirm_attendance(*, actor: User, activity_id: int, member_ids: list[int],
                       now: datetime) -> Activity:
    """Credit the activity's hours to each signed-up person who came (repeatable: people
    already credited are left as they are)."""
    activity = committee_activity(activity_id, actor)
    if activity.starts_at > now:
        raise Conflict("活动尚未开始，不能确认出勤", code=Code.ACTIVITY_NOT_STARTED)
    # Under the activity's row lock: a cancellation racing this one cannot slip between.
    live = db.session.execute(update(Activity).where(
        Activity.id == activity.id, Activity.cancelled_at.is_(None))
        .values(cancelled_at=None).execution_options(synchronize_session=False))
    if live.rowcount != 1:
        db.session.rollback()
        raise Conflict("活动已取消，不记服务时长", code=Code.ACTIVITY_CANCELLED)
    wanted = sorted(set(member_ids))
    seats = {s.user_id: s for s in db.session.scalars(select(Signup).where(
        Signup.activity_id == activity.id, Signup.user_id.in_(wanted),
        Signup.status == SignupStatus.SIGNED_UP))}
    strangers = [uid for uid in wanted if uid not in seats]
    if strangers:
        raise Invalid("名单中有未报名该活动的成员", code=Code.ATTENDANCE_NOT_SIGNED_UP,
                      errors={"member_ids": [f"not signed up: {uid}" for uid in strangers]})
    credited = [s for s in seats.values() if not s.attended]
    for seat in credited:
        seat.attended, seat.hours, seat.attended_at = True, activity.hours, now
        seat.confirmed_by_id = actor.id
    notify(user_ids=[s.user_id for s in credited], kind="activity_attended",
           title="服务时长已记录", now=now,
           body=f"您参加的“{activity.title}”已确认出勤，记服务时长{activity.hours:g}小时。",
           data={"activity_id": activity.id})
    audit(actor=actor, action="activity.attendance", subject="activity", subject_id=activity.id,
          community_id=activity.community_id, now=now,
          data={"credited": sorted(s.user_id for s in credited)})
    db.session.commit()
    return activity


def _check_not_cancelled(activity: Activity) -> None:
    if activity.cancelled_at is not None:
        raise Conflict("活动已取消", code=Code.ACTIVITY_CANCELLED)


def _signed_up_ids(activity: Activity) -> list[int]:
    return list(db.session.scalars(select(Signup.user_id).where(
        Signup.activity_id == activity.id, Signup.status == SignupStatus.SIGNED_UP)))


def _local(at: datetime) -> str:
    return at.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y年%m月%d日 %H:%M")


EDITABLE = ("starts_at", "ends_at", "place", "capacity", "title", "description")
_CHANGE_LABELS = {"starts_at": "时间", "ends_at": "时间", "place": "地点", "capacity": "名额",
                  "title": "名称", "description": "内容"}


def edit_activity(*, actor: User, activity_id: int, now: datetime, **changes) -> Activity:
    """Change an activity before it starts: time, place, capacity (never below the seats
    taken), title or description. Everyone signed up is told what changed."""
    activity = committee_activity(activity_id, actor)
    _check_not_cancelled(activity)
    if activity.starts_at <= now:
        raise Conflict("活动已开始，不能修改", code=Code.ACTIVITY_STARTED)
    changed = {k: v for k, v in changes.items() if k in EDITABLE and getattr(activity, k) != v}
    if not changed:
        return activity
    starts_at = changed.get("starts_at", activity.starts_at)
    ends_at = changed.get("ends_at", activity.ends_at)
    if ends_at <= starts_at:
        raise Invalid("结束时间须晚于开始时间", errors={"ends_at": ["must be after starts_at"]})
    if starts_at <= now:
        raise Invalid("开始时间须晚于现在", errors={"starts_at": ["must be in the future"]})
    clause = [Activity.id == activity.id, Activity.cancelled_at.is_(None), Activity.starts_at > now]
    if "capacity" in changed:  # against the seats taken at this instant, not a read before
        clause.append(Activity.taken <= changed["capacity"])
    done = db.session.execute(update(Activity).where(*clause).values(**changed)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        db.session.refresh(activity)
        _check_not_cancelled(activity)
        if activity.starts_at <= now:
            raise Conflict("活动已开始，不能修改", code=Code.ACTIVITY_STARTED)
        raise Invalid(f"名额不能少于已报名人数（{activity.taken}人）", code=Code.CAPACITY_BELOW_TAKEN,
                      errors={"capacity": [f"below the {activity.taken} seats taken"]})
    db.session.expire(activity)
    what = "、".join(dict.fromkeys(_CHANGE_LABELS[k] for k in EDITABLE if k in changed))
    place = f"，地点：{activity.place}" if activity.place else ""
    notify(user_ids=_signed_up_ids(activity), kind="activity_changed", title="活动信息有变更",
           now=now, body=f"您报名的“{activity.title}”{what}有变更：{_local(activity.starts_at)}开始"
           f"{place}。", data={"activity_id": activity.id, "title": activity.title,
                               "starts_at": _local(activity.starts_at), "place": activity.place,
                               "changed": sorted(changed)})
    audit(actor=actor, action="activity.edit", subject="activity", subject_id=activity.id,
          community_id=activity.community_id, now=now, data={"changed": sorted(changed)})
    db.session.commit()
    return activity


def cancel_activity(*, actor: User, activity_id: int, reason: str, now: datetime) -> Activity:
    """Call an activity off: no more sign-ups, no hours credited; everyone signed up is told.
    Refused once attendance has been confirmed (hours were credited)."""
    activity = committee_activity(activity_id, actor)
    _check_not_cancelled(activity)
    credited = exists().where(Signup.activity_id == Activity.id, Signup.attended.is_(True))
    done = db.session.execute(
        update(Activity).where(Activity.id == activity.id, Activity.cancelled_at.is_(None),
                               ~credited)
        .values(cancelled_at=now, cancel_reason=reason)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        db.session.refresh(activity)
        _check_not_cancelled(activity)
        raise Conflict("活动已确认出勤，不能取消", code=Code.ACTIVITY_CONFIRMED)
    db.session.expire(activity)
    notify(user_ids=_signed_up_ids(activity), kind="activity_cancelled", title="活动已取消",
           now=now, body=f"您报名的“{activity.title}”（{_local(activity.starts_at)}）已取消：{reason}",
           data={"activity_id": activity.id, "title": activity.title,
                 "starts_at": _local(activity.starts_at), "reason": reason})
    audit(actor=actor, action="activity.cancel", subject="activity", subject_id=activity.id,
          community_id=activity.community_id, now=now)
    db.session.commit()
    return activity
