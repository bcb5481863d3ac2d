"""Use cases of the cards (亮牌): rules as data, the weekly issue, reading, appeals (申诉).

Who sees a card: the member it was given to; the members of the team it was given to; the
committee of its community; the street staff of that community's street; the county; admin.
Who appeals: the holder (the member, a member of the team, the community's committee). Who
decides an appeal: those who supervise the holder — the committee for a team's or a member's
card, the street (or the county) for a community's card.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import RoleGrant, User
from server.audit.service import audit
from server.cards import rules
from server.cards.enums import (
    COLOUR_LABELS,
    STANDING,
    CardStatus,
    Colour,
    Kind,
    Level,
)
from server.cards.models import Card, CardRule
from server.errors import Code, Conflict, Forbidden, NotFound
from server.extensions import db
from server.grid import queries as grid
from server.grid.models import Community, Team, TeamMember
from server.notifications.service import notify
from server.sunlight.service import day_start, local_day, week_start

# --- rules (admin) ---------------------------------------------------------------------------

_EDITABLE = ("name", "colour", "params", "window_days", "expiry_days", "public")


def _require_admin(user: User) -> None:
    if Role.ADMIN not in user.roles:
        raise Forbidden("只有平台管理员可以管理亮牌规则")


def list_rules(*, user: User) -> list[CardRule]:
    _require_admin(user)
    return list(db.session.scalars(select(CardRule).order_by(CardRule.id)))


def create_rule(*, user: User, now: datetime, name: str, kind: str, level: str, colour: str,
                params: dict, window_days: int, expiry_days: int, public: bool) -> CardRule:
    _require_admin(user)
    checked = rules.validate(kind=kind, level=level, colour=colour, params=params, public=public)
    rule = CardRule(name=name, kind=kind, level=level, colour=colour, params=checked,
                    window_days=window_days, expiry_days=expiry_days, public=public,
                    is_active=True, created_at=now, updated_at=now)
    db.session.add(rule)
    db.session.flush()
    audit(actor=user, action="card_rule.create", subject="card_rule", subject_id=rule.id, now=now,
          data=_rule_data(rule))
    db.session.commit()
    return rule


def edit_rule(*, user: User, rule_id: int, now: datetime, **changes) -> CardRule:
    """Thresholds, window, colour, expiry and publicity may change; kind and level may not
    (cards already issued keep their meaning)."""
    _require_admin(user)
    rule = db.session.get(CardRule, rule_id)
    if rule is None:
        raise NotFound("亮牌规则不存在")
    if not rule.is_active:
        raise Conflict("该规则已停用，不能修改", code=Code.CARD_RULE_RETIRED)
    before = _rule_data(rule)
    merged = {name: changes.get(name, getattr(rule, name)) for name in _EDITABLE}
    merged["params"] = rules.validate(kind=rule.kind, level=rule.level, colour=merged["colour"],
                                      params=merged["params"], public=merged["public"])
    for name, value in merged.items():
        setattr(rule, name, value)
    rule.updated_at = now
    audit(actor=user, action="card_rule.edit", subject="card_rule", subject_id=rule.id, now=now,
          data={"before": before, "after": _rule_data(rule)})
    db.session.commit()
    return rule


def retire_rule(*, user: User, rule_id: int, now: datetime) -> CardRule:
    """A retired rule issues no more cards; the cards it issued stay, until they expire."""
    _require_admin(user)
    result = db.session.execute(
        update(CardRule).where(CardRule.id == rule_id, CardRule.is_active.is_(True))
        .values(is_active=False, retired_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    rule = db.session.get(CardRule, rule_id)
    if rule is None:
        raise NotFound("亮牌规则不存在")
    if result.rowcount != 1:
        raise Conflict("该规则已停用", code=Code.CARD_RULE_RETIRED)
    audit(actor=user, action="card_rule.retire", subject="card_rule", subject_id=rule.id, now=now)
    db.session.commit()
    db.session.refresh(rule)
    return rule


def _rule_data(rule: CardRule) -> dict:
    return {"name": rule.name, "kind": rule.kind, "level": rule.level, "colour": rule.colour,
            "params": rule.params, "window_days": rule.window_days,
            "expiry_days": rule.expiry_days, "public": rule.public}


# --- the weekly issue ------------------------------------------------------------------------


def issue(*, now: datetime) -> int:
    """Evaluate every active rule over its window ending at this week's local Monday 00:00 and
    issue the cards found; returns how many were issued now.

    Idempotent: a card is one per (rule, holder, period), enforced by a unique constraint and
    an insert that does nothing on conflict; and while a holder has a standing, unexpired card
    of a rule, that rule gives it no other. Yellow-card rules run before the second-yellow
    rules, so a second yellow and its red come out of the same run.
    """
    end = week_start(now)
    period = local_day(end).isoformat()
    active = list(db.session.scalars(select(CardRule).where(CardRule.is_active.is_(True))
                                     .order_by(CardRule.id)))
    active.sort(key=lambda r: (r.kind == Kind.SECOND_YELLOW, r.id))
    issued = 0
    for rule in active:
        start = day_start(local_day(end) - timedelta(days=rule.window_days))
        findings = rules.FINDERS[Kind(rule.kind)](rule, start, end, now)
        holding = set() if rule.kind == Kind.SECOND_YELLOW else _holding(rule, end)
        for finding in findings:
            if finding.holder_id in holding:
                continue
            card_id = _insert(rule, finding, period=finding.period or period, now=now, end=end)
            if card_id is not None:
                issued += 1
                _announce(db.session.get(Card, card_id), now=now)
        db.session.flush()
    db.session.commit()
    return issued


def _holding(rule: CardRule, at: datetime) -> set[int]:
    return set(db.session.scalars(select(Card.holder_id).where(
        Card.rule_id == rule.id, Card.status.in_(STANDING), Card.expires_at > at)))


def _insert(rule: CardRule, finding: rules.Finding, *, period: str, now: datetime,
            end: datetime) -> int | None:
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Card).values(
            rule_id=rule.id, level=rule.level, holder_id=finding.holder_id,
            community_id=finding.community_id, period=period, colour=rule.colour,
            reason=finding.reason[:500], evidence=finding.evidence, status=CardStatus.ACTIVE,
            issued_at=now, expires_at=end + timedelta(days=rule.expiry_days))
        .on_conflict_do_nothing(index_elements=["rule_id", "holder_id", "period"])
        .returning(Card.id)
    )
    return db.session.execute(statement).scalar()


def holder_name(card: Card) -> str:
    if card.level == Level.TEAM:
        team = db.session.get(Team, card.holder_id)
        return team.name if team else f"服务队#{card.holder_id}"
    if card.level == Level.COMMUNITY:
        community = db.session.get(Community, card.holder_id)
        return community.name if community else f"社区#{card.holder_id}"
    user = db.session.get(User, card.holder_id)
    return (user.name or user.nickname or f"#{user.id}") if user else f"#{card.holder_id}"


def holder_user_ids(card: Card) -> list[int]:
    """Who holds the card: the member, the team's active members, the community's committee."""
    if card.level == Level.MEMBER:
        return [card.holder_id]
    if card.level == Level.TEAM:
        return list(db.session.scalars(select(TeamMember.user_id).where(
            TeamMember.team_id == card.holder_id, TeamMember.is_active.is_(True))))
    return accounts.committee_of(card.community_id)


def supervisor_ids(card: Card) -> list[int]:
    """Who supervises the holder: the committee for a team or a member; the street staff of the
    community's street and the county for a community."""
    if card.level != Level.COMMUNITY:
        return accounts.committee_of(card.community_id)
    community = db.session.get(Community, card.community_id)
    street = community.street_id if community else None
    return list(db.session.scalars(select(RoleGrant.user_id).where(or_(
        RoleGrant.role == Role.COUNTY,
        and_(RoleGrant.role == Role.STREET, RoleGrant.street_id == street) if street else false(),
    ))))


def _label(card: Card) -> str:
    return COLOUR_LABELS[Colour(card.colour)]


def _announce(card: Card, *, now: datetime) -> None:
    name = holder_name(card)
    data = {"card_id": card.id, "colour": card.colour}
    until = local_day(card.expires_at)
    notify(user_ids=holder_user_ids(card), kind="card_issued", title=f"亮{_label(card)}：{card.rule.name}",
           body=f"{card.reason}。有效期至{until.month}月{until.day}日，如有异议可提出申诉。",
           now=now, data=data)
    notify(user_ids=set(supervisor_ids(card)) - set(holder_user_ids(card)), kind="card_issued",
           title=f"{name}被亮{_label(card)}", body=f"{card.rule.name}：{card.reason}。", now=now,
           data=data)


# --- reading ---------------------------------------------------------------------------------


def visible_clause(user: User):
    """SQL: the cards ``user`` may see (see the module's docstring)."""
    roles = set(user.roles)
    if Role.ADMIN in roles or Role.COUNTY in roles:
        return None
    clauses = [and_(Card.level == Level.MEMBER, Card.holder_id == user.id)]
    teams = grid.team_ids_of(user.id)
    if teams:
        clauses.append(and_(Card.level == Level.TEAM, Card.holder_id.in_(sorted(teams))))
    communities = accounts.committee_communities(user)
    if communities:
        clauses.append(Card.community_id.in_(communities))
    streets = accounts.street_ids_of(user)
    if streets:
        clauses.append(Card.community_id.in_(
            select(Community.id).where(Community.street_id.in_(streets)).scalar_subquery()))
    return or_(*clauses)


def cards_query(*, user: User, standing_at: datetime | None = None):
    query = select(Card)
    clause = visible_clause(user)
    if clause is not None:
        query = query.where(clause)
    if standing_at is not None:
        query = query.where(Card.status.in_(STANDING), Card.expires_at > standing_at)
    return query


def get_visible(*, card_id: int, user: User) -> Card:
    card = db.session.scalar(cards_query(user=user).where(Card.id == card_id))
    if card is None:
        raise NotFound("亮牌记录不存在")
    return card


def is_holder(card: Card, user: User) -> bool:
    if card.level == Level.MEMBER:
        return card.holder_id == user.id
    if card.level == Level.TEAM:
        return card.holder_id in grid.team_ids_of(user.id)
    return accounts.is_committee_of(user, card.community_id)


def is_decider(card: Card, user: User) -> bool:
    if card.level == Level.COMMUNITY:
        return accounts.supervises_community(user, card.community_id)
    return accounts.is_committee_of(user, card.community_id)


# --- appeals (申诉) ---------------------------------------------------------------------------


def appeal(*, card_id: int, user: User, reason: str, now: datetime) -> Card:
    """The holder contests a standing card once, with a reason; the deciders are told."""
    card = get_visible(card_id=card_id, user=user)
    if not is_holder(card, user):
        raise Forbidden("只有被亮牌的对象可以申诉")
    if card.expires_at <= now:
        raise Conflict("该亮牌已过期", code=Code.CARD_EXPIRED)
    result = db.session.execute(
        update(Card).where(Card.id == card.id, Card.status == CardStatus.ACTIVE)
        .values(status=CardStatus.APPEALED, appeal_reason=reason, appealed_by_id=user.id,
                appealed_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("该亮牌已申诉过", code=Code.CARD_ALREADY_APPEALED)
    db.session.expire(card)
    audit(actor=user, action="card.appeal", subject="card", subject_id=card.id, now=now,
          community_id=card.community_id, data={"reason": reason})
    notify(user_ids=supervisor_ids(card), kind="card_appealed",
           title=f"{holder_name(card)}对{_label(card)}提出申诉",
           body=f"{card.rule.name}：{reason}", now=now, data={"card_id": card.id})
    db.session.commit()
    return card


def decide(*, card_id: int, user: User, uphold: bool, reason: str, now: datetime) -> Card:
    """Those who supervise the holder decide an appeal: uphold the card (维持) or revoke it
    (撤销), with a reason; recorded on the card and in the audit trail, the holder told."""
    card = get_visible(card_id=card_id, user=user)
    if not is_decider(card, user):
        raise Forbidden("只有上级可以处理申诉")
    to = CardStatus.UPHELD if uphold else CardStatus.REVOKED
    result = db.session.execute(
        update(Card).where(Card.id == card.id, Card.status == CardStatus.APPEALED)
        .values(status=to, decision_reason=reason, decided_by_id=user.id, decided_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("该亮牌没有待处理的申诉", code=Code.CARD_NOT_APPEALED)
    db.session.expire(card)
    audit(actor=user, action="card.decide", subject="card", subject_id=card.id, now=now,
          community_id=card.community_id, data={"decision": to.value, "reason": reason})
    verdict = "维持原亮牌" if uphold else "撤销亮牌"
    notify(user_ids=holder_user_ids(card), kind="card_decided",
           title=f"申诉处理结果：{verdict}", body=f"{card.rule.name}：{reason}", now=now,
           data={"card_id": card.id, "decision": to.value})
    db.session.commit()
    return card


# --- public ----------------------------------------------------------------------------------


def public_team_cards(*, community_id: int, now: datetime) -> list[dict]:
    """The standing cards of the community's teams whose rule says public; never a member's."""
    rows = db.session.execute(
        select(Card, Team.name).join(CardRule, CardRule.id == Card.rule_id)
        .join(Team, Team.id == Card.holder_id)
        .where(Card.community_id == community_id, Card.level == Level.TEAM,
               CardRule.public.is_(True), Card.status.in_(STANDING), Card.expires_at > now)
        .order_by(Card.issued_at.desc(), Card.id.desc())).all()
    return [{"team": team, "colour": card.colour, "label": COLOUR_LABELS[Colour(card.colour)],
             "rule": card.rule.name, "issued_on": local_day(card.issued_at).isoformat(),
             "expires_on": local_day(card.expires_at).isoformat()} for card, team in rows]
