"""People before they log in, their team posts, and linking them to WeChat accounts.

An imported member or committee staffer is a :class:`Person` (name and phone) whose posts and
committee seats wait until the person is linked to a user: by the phone the user binds
(``link_by_phone``) or by an invitation code the committee hands out (``redeem_invitation``).
Linking turns posts into team memberships (and the ``member`` role) and seats into
``committee`` grants. Once linked, ``TeamMember`` and ``RoleGrant`` are what the rest of the
product reads; the person's posts stay as the record of what the administration decided.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import User
from server.admin import service
from server.admin.models import CommitteeSeat, Invitation, Person, PersonPost
from server.errors import Code, Conflict, Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid import hooks as grid_hooks
from server.grid.models import Team, TeamMember
from server.http import keyset_page
from server.privacy import mask_phone, normalize_phone

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 8


# --- people and posts ---------------------------------------------------------------------------


def ensure_person(*, community_id: int, name: str, phone: str, now: datetime,
                  actor: User | None = None) -> tuple[Person, bool]:
    """The community's person with this phone (created if new, and linked at once if a user
    bound it).

    Only ``community_id``'s people are ever looked at: a committee can never reach, nor learn
    of, a person another community put on record. The same phone under another name within the
    community is refused: a typo must not hand someone's posts to another person.
    """
    normalized = normalize_phone(phone)
    if normalized is None:
        raise Invalid("手机号格式不正确", errors={"phone": ["not a mainland mobile number"]})
    person = db.session.scalar(select(Person).where(Person.community_id == community_id,
                                                    Person.phone == normalized))
    if person is not None:
        if person.name != name:
            raise Conflict("本社区已登记该手机号，但姓名不一致，请核对", code=Code.PHONE_UNDER_OTHER_NAME,
                           errors={"phone": ["this community has another name for this phone"]})
        return person, False
    person = Person(community_id=community_id, name=name, phone=normalized, created_at=now)
    db.session.add(person)
    db.session.flush()
    service.audit(actor=actor, action="person.create", subject="person", subject_id=person.id,
                  person_id=person.id, community_id=community_id, now=now)
    user = _user_with_phone(normalized, community_id=community_id)
    if user is not None:
        link(person, user, now=now, actor=actor, via="phone")
    return person, True


def _user_with_phone(phone: str, *, community_id: int) -> User | None:
    """The one active account whose phone WeChat verified and that has no person in this
    community yet; None if none or ambiguous.

    A typed (unverified) number never links: anyone could type someone else's number.
    """
    users = list(db.session.scalars(
        select(User).where(User.phone.in_([phone, f"+86{phone}", f"86{phone}"]),
                           User.phone_verified.is_(True), User.is_active.is_(True)).limit(2)))
    if len(users) != 1:
        return None
    taken = db.session.scalar(select(Person.id).where(Person.user_id == users[0].id,
                                                      Person.community_id == community_id))
    return None if taken else users[0]


def add_post(person: Person, team: Team, *, actor: User | None, now: datetime,
             via: str) -> bool:
    """Put a person on a team (idempotent); True when something changed."""
    service.require_same_community(person, team.community_id)
    post = db.session.scalar(select(PersonPost).where(PersonPost.person_id == person.id,
                                                      PersonPost.team_id == team.id))
    changed = False
    if post is None:
        db.session.add(PersonPost(person_id=person.id, team_id=team.id, created_at=now))
        changed = True
    elif not post.is_active:
        post.is_active = True
        changed = True
    if changed:
        db.session.flush()
        db.session.expire(person, ["posts"])
        service.audit(actor=actor, action="member.add", subject="team", subject_id=team.id,
                      person_id=person.id, user_id=person.user_id,
                      community_id=team.community_id, data={"post": team.post, "via": via},
                      now=now)
    if person.user_id is not None:
        changed |= _join(db.session.get(User, person.user_id), team, actor=actor, now=now, via=via)
    return changed


def add_seat(person: Person, community_id: int, *, actor: User | None, now: datetime,
             via: str) -> bool:
    """Seat a person on their own community's committee (idempotent)."""
    service.require_same_community(person, community_id)
    seat = db.session.scalar(select(CommitteeSeat).where(
        CommitteeSeat.person_id == person.id, CommitteeSeat.community_id == community_id))
    changed = False
    if seat is None:
        db.session.add(CommitteeSeat(person_id=person.id, community_id=community_id,
                                     created_at=now))
        changed = True
        db.session.flush()
        db.session.expire(person, ["seats"])
        service.audit(actor=actor, action="seat.add", subject="person", subject_id=person.id,
                      person_id=person.id, community_id=community_id, data={"via": via},
                      now=now)
    if person.user_id is not None and (seat is None or seat.is_active):
        changed |= service.grant(db.session.get(User, person.user_id), Role.COMMITTEE,
                                 community_id=community_id, actor=actor, now=now, via=via)
    return changed


def _join(user: User, team: Team, *, actor: User | None, now: datetime, via: str) -> bool:
    membership = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                            TeamMember.user_id == user.id))
    changed = False
    if membership is None:
        db.session.add(TeamMember(team_id=team.id, user_id=user.id, joined_at=now))
        changed = True
    elif not membership.is_active:
        membership.is_active = True
        membership.joined_at = now
        changed = True
    db.session.flush()
    changed |= service.grant(user, Role.MEMBER, actor=actor, now=now, via=via)
    return changed


def _leave(user: User, team: Team, *, actor: User | None, now: datetime) -> bool:
    membership = db.session.scalar(select(TeamMember).where(
        TeamMember.team_id == team.id, TeamMember.user_id == user.id,
        TeamMember.is_active.is_(True)))
    if membership is None:
        return False
    membership.is_active = False
    db.session.flush()
    grid_hooks.member_left(user_id=user.id, community_id=team.community_id, now=now)
    still_serving = db.session.scalar(select(TeamMember.id).where(
        TeamMember.user_id == user.id, TeamMember.is_active.is_(True)).limit(1))
    if still_serving is None:
        service.revoke(user, Role.MEMBER, actor=actor, now=now, via="team")
    return True


def _team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound("服务队不存在")
    return team


def _visible_person(actor: User, person_id: int) -> Person:
    """A person the actor may manage: any for an admin, their community's for a committee."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    if service.is_admin(actor):
        return person
    mine = set(accounts.committee_communities(actor))
    if not mine:
        raise Forbidden("仅平台管理员或社区两委可执行此操作")
    if person.community_id not in mine:
        raise NotFound("人员不存在")
    return person


def add_member(*, actor: User, team_id: int, now: datetime, user_id: int | None = None,
               person_id: int | None = None, name: str | None = None,
               phone: str | None = None) -> dict:
    """Put someone on a team: a user, a known person, or a new person by name and phone.

    Admins anywhere; the committee within its own community.
    """
    team = _team(team_id)
    service.require_manager_of(actor, team.community_id)
    if not team.is_active:
        raise Conflict("服务队已停用", code=Code.PARENT_RETIRED)
    given = [user_id is not None, person_id is not None, phone is not None]
    if sum(given) != 1 or (phone is not None and not name):
        raise Invalid("请指定 user_id、person_id 或 姓名+手机号 之一",
                      errors={"_schema": ["give exactly one of user_id, person_id, name+phone"]})
    user = person = None
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound("用户不存在")
        person = db.session.scalar(select(Person).where(
            Person.user_id == user.id, Person.community_id == team.community_id))
    elif person_id is not None:
        person = _visible_person(actor, person_id)
    else:
        person, _ = ensure_person(community_id=team.community_id, name=name, phone=phone,
                                  now=now, actor=actor)
    changed = False
    if person is not None:
        changed |= add_post(person, team, actor=actor, now=now, via="manage")
    if user is not None:
        changed |= _join(user, team, actor=actor, now=now, via="manage")
        if person is None:
            service.audit(actor=actor, action="member.add", subject="team", subject_id=team.id,
                          user_id=user.id, community_id=team.community_id,
                          data={"post": team.post, "via": "manage"}, now=now)
    if person is not None and person.user_id is not None:
        user = db.session.get(User, person.user_id)
    db.session.commit()
    return {"team_id": team.id, "post": team.post, "user_id": user.id if user else None,
            "person_id": person.id if person else None, "linked": user is not None,
            "changed": changed}


def remove_member(*, actor: User, team_id: int, now: datetime, user_id: int | None = None,
                  person_id: int | None = None) -> dict:
    """Take someone off a team; their history (requests they handled) stays."""
    team = _team(team_id)
    service.require_manager_of(actor, team.community_id)
    if (user_id is None) == (person_id is None):
        raise Invalid("请指定 user_id 或 person_id 之一",
                      errors={"_schema": ["give exactly one of user_id, person_id"]})
    if user_id is not None:
        user = db.session.get(User, user_id)
        person = (db.session.scalar(select(Person).where(
            Person.user_id == user_id, Person.community_id == team.community_id))
            if user else None)
    else:
        person = db.session.get(Person, person_id)
        if person is not None and person.community_id != team.community_id:
            person = None
        user = db.session.get(User, person.user_id) if person and person.user_id else None
    changed = False
    if person is not None:
        post = db.session.scalar(select(PersonPost).where(
            PersonPost.person_id == person.id, PersonPost.team_id == team.id,
            PersonPost.is_active.is_(True)))
        if post is not None:
            post.is_active = False
            changed = True
    if user is not None:
        changed |= _leave(user, team, actor=actor, now=now)
    if not changed:
        raise NotFound("该成员不在此服务队")
    service.audit(actor=actor, action="member.remove", subject="team", subject_id=team.id,
                  user_id=user.id if user else None, person_id=person.id if person else None,
                  community_id=team.community_id, data={"post": team.post}, now=now)
    db.session.commit()
    return {"team_id": team.id, "post": team.post, "user_id": user.id if user else None,
            "person_id": person.id if person else None, "linked": user is not None,
            "changed": True}


def team_members(*, actor: User, team_id: int, page: dict) -> dict:
    """The team's active members who have an account (pending people: ``community_people``)."""
    team = _team(team_id)
    service.require_manager_of(actor, team.community_id)
    result = keyset_page(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.is_active.is_(True)),
        TeamMember.id, page, descending=False)
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([m.user_id for m in result["items"]])))}
    result["items"] = [
        {"id": m.id, "user_id": m.user_id, "name": users[m.user_id].name,
         "nickname": users[m.user_id].nickname, "phone": mask_phone(users[m.user_id].phone),
         "team_id": team.id, "post": team.post, "joined_at": m.joined_at}
        for m in result["items"]
    ]
    return result


def community_people(*, actor: User, community_id: int, linked: bool | None,
                     page: dict) -> dict:
    """People with a post or a committee seat in the community, linked or still waiting."""
    service.require_manager_of(actor, community_id)
    in_teams = (select(PersonPost.person_id).join(Team, Team.id == PersonPost.team_id)
                .where(Team.community_id == community_id, PersonPost.is_active.is_(True)))
    on_committee = select(CommitteeSeat.person_id).where(
        CommitteeSeat.community_id == community_id, CommitteeSeat.is_active.is_(True))
    query = select(Person).where(Person.community_id == community_id,
                                 or_(Person.id.in_(in_teams), Person.id.in_(on_committee)))
    if linked is not None:
        query = query.where(Person.user_id.is_not(None) if linked else Person.user_id.is_(None))
    result = keyset_page(query, Person.id, page, descending=False)
    teams = {t.id: t for t in db.session.scalars(select(Team).where(
        Team.community_id == community_id))}
    result["items"] = [
        {"id": p.id, "name": p.name, "phone": mask_phone(p.phone), "user_id": p.user_id,
         "linked": p.user_id is not None, "linked_at": p.linked_at,
         "committee": any(s.is_active and s.community_id == community_id for s in p.seats),
         "posts": [{"team_id": post.team_id, "team_name": teams[post.team_id].name,
                    "post": teams[post.team_id].post}
                   for post in p.posts if post.is_active and post.team_id in teams]}
        for p in result["items"]
    ]
    return result


# --- linking ------------------------------------------------------------------------------------


def link(person: Person, user: User, *, now: datetime, actor: User | None, via: str) -> None:
    """Bind the person to the account and hand over their posts and seats (no commit).

    Only the person's own community's posts and seats are handed over, whatever rows exist.
    """
    taken = db.session.execute(
        update(Person).where(Person.id == person.id, Person.user_id.is_(None))
        .values(user_id=user.id, linked_at=now).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise Conflict("该人员已绑定其他账号", code=Code.PERSON_ALREADY_LINKED)
    db.session.expire(person, ["user_id", "linked_at"])
    if not user.name:
        user.name = person.name
    db.session.flush()
    service.audit(actor=actor, action="person.link", subject="person", subject_id=person.id,
                  person_id=person.id, user_id=user.id, data={"via": via}, now=now)
    for post in person.posts:
        team = db.session.get(Team, post.team_id)
        if post.is_active and team.community_id == person.community_id:
            _join(user, team, actor=actor, now=now, via=via)
    for seat in person.seats:
        if seat.is_active and seat.community_id == person.community_id:
            service.grant(user, Role.COMMITTEE, community_id=seat.community_id, actor=actor,
                          now=now, via=via)


def link_by_phone(*, user: User, phone: str | None, now: datetime,
                  commit: bool = True) -> list[Person]:
    """Link ``user`` to the people with this phone, one per community that put them on record.

    The caller vouches that WeChat verified the number (getPhoneNumber): never call it with a
    typed one, which anyone could type. Each community's person brings that community's posts
    and seats only.

    Safe to call for any phone and any number of times: an unknown or malformed phone, a
    person already linked to someone else, or a community where the user is already another
    person all link nothing there. Returns the people now linked to the user by this phone.
    """
    normalized = normalize_phone(phone)
    if normalized is None or not user.is_active:
        return []
    found = list(db.session.scalars(select(Person).where(Person.phone == normalized)
                                    .order_by(Person.id)))
    mine = set(db.session.scalars(select(Person.community_id).where(Person.user_id == user.id)))
    linked = []
    for person in found:
        if person.user_id == user.id:
            linked.append(person)
            continue
        if person.user_id is not None or person.community_id in mine:
            continue
        if not commit:  # inside the caller's transaction: a lost race surfaces as its 409
            link(person, user, now=now, actor=user, via="phone")
        else:
            try:
                link(person, user, now=now, actor=user, via="phone")
                db.session.commit()
            except (IntegrityError, Conflict):  # someone linked the same person or user at once
                db.session.rollback()
                continue
        mine.add(person.community_id)
        linked.append(person)
    return linked


# --- invitations --------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw).upper()


def issue_invitation(*, actor: User, person_id: int, now: datetime) -> Invitation:
    """A fresh one-time code for a person not yet linked; earlier unused codes stop working."""
    person = _visible_person(actor, person_id)
    if person.user_id is not None:
        raise Conflict("该人员已绑定账号，无需邀请码", code=Code.PERSON_ALREADY_LINKED)
    for old in db.session.scalars(select(Invitation).where(
            Invitation.person_id == person.id, Invitation.redeemed_at.is_(None),
            Invitation.revoked_at.is_(None))):
        old.revoked_at = now
    days = int(current_app.config.get("INVITATION_DAYS", 14))
    invitation = Invitation(code=_new_code(), person_id=person.id,
                            community_id=person.community_id, issued_by_id=actor.id,
                            created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    service.audit(actor=actor, action="invitation.issue", subject="invitation",
                  subject_id=invitation.id, person_id=person.id,
                  community_id=invitation.community_id, now=now)
    service.commit_or_conflict("邀请码生成冲突，请重试")
    return invitation


def redeem_invitation(*, user: User, code: str, now: datetime) -> Person:
    """Link the caller to the invited person. Redeeming one's own code again is harmless."""
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.code == normalize_code(code)))
    if invitation is None or invitation.revoked_at is not None or (
            invitation.redeemed_at is None and invitation.expires_at <= now):
        raise Invalid("邀请码无效或已过期", code=Code.INVITATION_INVALID, errors={"code": ["invalid or expired"]})
    person = invitation.person
    if invitation.redeemed_at is not None:
        if invitation.redeemed_by_id == user.id and person.user_id == user.id:
            return person
        raise Conflict("邀请码已被使用", code=Code.INVITATION_USED)
    if person.user_id is not None and person.user_id != user.id:
        raise Conflict("该人员已绑定其他账号", code=Code.PERSON_ALREADY_LINKED)
    other = db.session.scalar(select(Person.id).where(Person.user_id == user.id,
                                                      Person.community_id == person.community_id))
    if other is not None and other != person.id:
        raise Conflict("您的账号已绑定本社区其他人员", code=Code.ACCOUNT_ALREADY_LINKED)
    won = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.redeemed_at.is_(None))
        .values(redeemed_at=now, redeemed_by_id=user.id)
        .execution_options(synchronize_session=False))
    if won.rowcount != 1:
        db.session.rollback()
        raise Conflict("邀请码已被使用", code=Code.INVITATION_USED)
    if person.user_id is None:
        link(person, user, now=now, actor=user, via="invitation")
    service.commit_or_conflict("邀请码已被使用")
    return person


def _invitation(actor: User, invitation_id: int) -> Invitation:
    """An invitation of a community the actor manages; another community's is a 404."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("邀请码不存在")
    _visible_person(actor, invitation.person_id)
    return invitation


def revoke_invitation(*, actor: User, invitation_id: int, now: datetime) -> Invitation:
    """Stop an unused code from working (handed to the wrong person, lost, leaked)."""
    invitation = _invitation(actor, invitation_id)
    won = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.redeemed_at.is_(None),
                                 Invitation.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    if won.rowcount != 1:
        db.session.rollback()
        raise Conflict("邀请码已使用或已撤销", code=Code.INVITATION_NOT_REVOCABLE)
    service.audit(actor=actor, action="invitation.revoke", subject="invitation",
                  subject_id=invitation.id, person_id=invitation.person_id,
                  community_id=invitation.community_id, now=now)
    db.session.commit()
    db.session.refresh(invitation)
    return invitation


INVITATION_STATES = ("open", "used", "revoked", "expired")


def invitation_state(invitation: Invitation, now: datetime) -> str:
    if invitation.redeemed_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= now else "open"


def community_invitations(*, actor: User, community_id: int, state: str | None, page: dict,
                          now: datetime) -> dict:
    """The community's codes, newest first: who each was for, who issued it, and for a used
    one who redeemed it and when. The code itself is shown only while it can still be used."""
    service.require_manager_of(actor, community_id)
    query = select(Invitation).where(Invitation.community_id == community_id)
    if state == "used":
        query = query.where(Invitation.redeemed_at.is_not(None))
    elif state == "revoked":
        query = query.where(Invitation.redeemed_at.is_(None), Invitation.revoked_at.is_not(None))
    elif state in ("open", "expired"):
        query = query.where(Invitation.redeemed_at.is_(None), Invitation.revoked_at.is_(None),
                            Invitation.expires_at > now if state == "open"
                            else Invitation.expires_at <= now)
    result = keyset_page(query, Invitation.id, page)
    result["items"] = invitation_rows(result["items"], now)
    return result


def invitation_rows(invitations: list[Invitation], now: datetime) -> list[dict]:
    """What the committee sees of its codes (``InvitationAdminOut``)."""
    user_ids = {i.redeemed_by_id for i in invitations} | {i.issued_by_id for i in invitations}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}

    def who(user_id: int | None) -> dict | None:
        user = users.get(user_id)
        return None if user is None else {"user_id": user.id, "nickname": user.nickname}

    def row(invitation: Invitation) -> dict:
        current = invitation_state(invitation, now)
        return {"id": invitation.id, "state": current,
                "code": invitation.code if current == "open" else None,
                "person_id": invitation.person_id, "person_name": invitation.person.name,
                "issued_by": who(invitation.issued_by_id), "created_at": invitation.created_at,
                "expires_at": invitation.expires_at, "revoked_at": invitation.revoked_at,
                "redeemed_at": invitation.redeemed_at, "redeemed_by": who(invitation.redeemed_by_id)}

    return [row(i) for i in invitations]
