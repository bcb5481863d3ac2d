"""What each kind of warning rule needs in its ``params`` and whom it finds over a window.

Adding a rule of an existing kind is data (``POST /api/v1/admin/card-rules``); adding a kind is
code here: its parameters in ``PARAMS``, the levels it allows in ``LEVELS`` and its finder in
``FINDERS``. A finder returns ``Finding``s for the window ``[start, end)``; it reads, never
writes.

Definitions (docs/cards.md says the same in words):
- a request *went red* in the window when its resolve deadline (限时办结) fell inside it and it
  was not resolved by then (still open, or resolved after the deadline); withdrawn, invalid and
  merged requests are left out. Residents' requests and patrol reports alike: both are the
  team's work.
- a team's satisfaction and a community's 三率 are ``server.sunlight.figures`` over the window
  (residents' requests submitted in it), unchanged in definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from server.cards.enums import CardStatus, Colour, Kind, Level
from server.cards.models import Card, CardRule
from server.errors import Invalid
from server.extensions import db
from server.grid.models import Community, Team
from server.requests.enums import Status
from server.requests.models import Request
from server.sunlight import figures


@dataclass(frozen=True)
class Param:
    kind: type  # int or float
    low: float
    high: float
    required: bool = True
    default: float | None = None
    label: str = ""


_RATE = dict(kind=float, low=0.0, high=1.0)

PARAMS: dict[Kind, dict[str, Param]] = {
    Kind.TEAM_RED_LIGHTS: {"min_red": Param(int, 1, 10_000, label="红灯数")},
    Kind.TEAM_SATISFACTION: {"below": Param(**_RATE, label="满意率低于"),
                             "min_ratings": Param(int, 1, 100_000, label="最少评价数")},
    Kind.MEMBER_OVERDUE: {"min_overdue": Param(int, 1, 10_000, label="超期件数")},
    Kind.SECOND_YELLOW: {"yellows": Param(int, 2, 10, required=False, default=2, label="黄牌数")},
    Kind.COMMUNITY_RATES: {
        "response_below": Param(**_RATE, required=False, label="响应率低于"),
        "resolution_below": Param(**_RATE, required=False, label="解决率低于"),
        "satisfaction_below": Param(**_RATE, required=False, label="满意率低于"),
        "min_requests": Param(int, 1, 100_000, required=False, default=1, label="最少诉求数"),
    },
}

LEVELS: dict[Kind, tuple[Level, ...]] = {
    Kind.TEAM_RED_LIGHTS: (Level.TEAM,),
    Kind.TEAM_SATISFACTION: (Level.TEAM,),
    Kind.MEMBER_OVERDUE: (Level.MEMBER,),
    Kind.SECOND_YELLOW: (Level.TEAM, Level.MEMBER, Level.COMMUNITY),
    Kind.COMMUNITY_RATES: (Level.COMMUNITY,),
}

_RATE_NAMES = {"response_below": ("response_rate", "响应率"),
               "resolution_below": ("resolution_rate", "解决率"),
               "satisfaction_below": ("satisfaction_rate", "满意率")}


def validate(*, kind: str, level: str, colour: str, params: dict, public: bool) -> dict:
    """The rule's params, checked and completed with defaults; a 422 naming what is wrong."""
    kind, level, colour = Kind(kind), Level(level), Colour(colour)
    if level not in LEVELS[kind]:
        raise Invalid("该类规则不适用于所选对象层级", errors={"level": [
            f"{kind} applies to {', '.join(LEVELS[kind])}"]})
    if kind == Kind.SECOND_YELLOW and colour != Colour.RED:
        raise Invalid("再次黄牌的规则只能亮红牌", errors={"colour": ["second_yellow issues red"]})
    if public and level != Level.TEAM:
        raise Invalid("只有服务队的亮牌可以公开", errors={"public": ["only team cards are public"]})
    spec = PARAMS[kind]
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for name in sorted(set(params) - set(spec)):
        errors[name] = ["Unknown field."]
    for name, param in spec.items():
        value = params.get(name)
        if value is None:
            if param.required:
                errors[name] = ["Missing data for required field."]
            elif param.default is not None:
                out[name] = param.default
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                param.kind is int and not isinstance(value, int)):
            errors[name] = ["Not a valid number."]
            continue
        if not param.low <= value <= param.high:
            errors[name] = [f"Must be greater than or equal to {param.low} and less than or "
                            f"equal to {param.high}."]
            continue
        out[name] = param.kind(value)
    if kind == Kind.COMMUNITY_RATES and not errors and not set(out) & set(_RATE_NAMES):
        errors["_schema"] = ["give at least one of " + ", ".join(_RATE_NAMES)]
    if errors:
        raise Invalid("规则参数无效：" + "；".join(_describe(kind, n, m) for n, m in errors.items()),
                      errors={"params": errors})
    return out


def _describe(kind: Kind, name: str, messages: list[str]) -> str:
    param = PARAMS[kind].get(name)
    if name == "_schema":
        return "至少设置响应率、解决率、满意率中的一项阈值"
    if param is None:
        return f"不支持的参数{name}"
    if messages[0].startswith("Missing"):
        return f"{param.label}为必填项"
    if messages[0].startswith("Not a valid"):
        return f"{param.label}需为{'整数' if param.kind is int else '数字'}"
    return f"{param.label}需在{param.low:g}至{param.high:g}之间"


@dataclass(frozen=True)
class Finding:
    holder_id: int
    community_id: int
    reason: str  # zh-CN: what the holder reads
    evidence: dict
    period: str | None = None  # the rule's own period key (second yellow); None: the window's


def _went_red(start: datetime, end: datetime):
    return (
        Request.resolve_deadline >= start, Request.resolve_deadline < end,
        Request.status.not_in([Status.CANCELLED, Status.REJECTED, Status.MERGED]),
        or_(Request.resolved_at.is_(None), Request.resolved_at > Request.resolve_deadline),
    )


def _team_red_lights(rule: CardRule, start: datetime, end: datetime, now: datetime) -> list[Finding]:
    least = rule.params["min_red"]
    found = db.session.execute(
        select(Request.team_id, Team.community_id, func.count())
        .join(Team, Team.id == Request.team_id)
        .where(*_went_red(start, end))
        .group_by(Request.team_id, Team.community_id)
        .having(func.count() >= least)
    ).all()
    return [Finding(team_id, community_id, f"{rule.window_days}天内{count}件诉求亮红灯（超期未办结），"
                    f"达到{least}件的亮牌标准", {"red": count})
            for team_id, community_id, count in found]


def _team_satisfaction(rule: CardRule, start: datetime, end: datetime, now: datetime) -> list[Finding]:
    below, least = rule.params["below"], rule.params["min_ratings"]
    by_team = figures.figures_for(now=end, group="team", start=start, end=end, middles=True)
    teams = dict(db.session.execute(select(Team.id, Team.community_id)).all()) if by_team else {}
    out = []
    for team_id, f in sorted(by_team.items()):
        rate = f.satisfaction_rate
        if team_id in teams and f.rated >= least and rate is not None and rate < below:
            out.append(Finding(team_id, teams[team_id],
                               f"{rule.window_days}天内{f.rated}件评价的满意率为{rate * 100:.1f}%，"
                               f"低于{below * 100:g}%", {"rated": f.rated,
                                                         "satisfied": f.rated_satisfied,
                                                         "satisfaction_rate": rate}))
    return out


def _member_overdue(rule: CardRule, start: datetime, end: datetime, now: datetime) -> list[Finding]:
    least = rule.params["min_overdue"]
    counts: dict[int, dict[int, int]] = {}
    for handler_id, community_id, count in db.session.execute(
        select(Request.handler_id, Request.community_id, func.count())
        .where(*_went_red(start, end), Request.handler_id.is_not(None),
               Request.accepted_at.is_not(None))
        .group_by(Request.handler_id, Request.community_id)
    ):
        counts.setdefault(handler_id, {})[community_id] = count
    out = []
    for handler_id, by_community in sorted(counts.items()):
        total = sum(by_community.values())
        if total >= least:
            # The card belongs to the community where most of the overdue work was.
            community_id = min(by_community, key=lambda c: (-by_community[c], c))
            out.append(Finding(handler_id, community_id,
                               f"{rule.window_days}天内接单的{total}件诉求超期未办结，达到{least}件的亮牌标准",
                               {"overdue": total}))
    return out


def _community_rates(rule: CardRule, start: datetime, end: datetime, now: datetime) -> list[Finding]:
    least = rule.params.get("min_requests", 1)
    by_community = figures.figures_for(now=end, group="community", start=start, end=end,
                                        middles=True)
    active = set(db.session.scalars(select(Community.id).where(Community.is_active.is_(True))))
    out = []
    for community_id, f in sorted(by_community.items()):
        if community_id not in active or f.dispatched < least:
            continue
        low = []
        for name, (attribute, label) in _RATE_NAMES.items():
            threshold = rule.params.get(name)
            rate = getattr(f, attribute)
            if threshold is not None and rate is not None and rate < threshold:
                low.append(f"{label}{rate * 100:.1f}%低于{threshold * 100:g}%")
        if low:
            out.append(Finding(community_id, community_id,
                               f"{rule.window_days}天内" + "，".join(low),
                               {k: getattr(f, k) for k in figures.RATE_LABELS} | {"dispatched": f.dispatched}))
    return out


def _second_yellow(rule: CardRule, start: datetime, end: datetime, now: datetime) -> list[Finding]:
    """Each yellow that is the ``yellows``-th (or later) standing yellow of its holder within
    the window gives one red card, keyed by that yellow: run twice, one red."""
    needed = rule.params.get("yellows", 2)
    since = now - timedelta(days=rule.window_days)
    yellows = list(db.session.scalars(
        select(Card).where(Card.level == rule.level, Card.colour == Colour.YELLOW,
                           Card.status != CardStatus.REVOKED, Card.issued_at > since,
                           Card.issued_at <= now)
        .order_by(Card.holder_id, Card.issued_at, Card.id)))
    out, seen = [], {}
    for card in yellows:
        seen.setdefault(card.holder_id, []).append(card)
        held = seen[card.holder_id]
        if len(held) >= needed:
            out.append(Finding(card.holder_id, card.community_id,
                               f"{rule.window_days}天内第{len(held)}次亮黄牌，升级为红牌",
                               {"yellow_card_ids": [c.id for c in held]}, period=f"yellow-{card.id}"))
    return out


FINDERS = {
    Kind.TEAM_RED_LIGHTS: _team_red_lights,
    Kind.TEAM_SATISFACTION: _team_satisfaction,
    Kind.MEMBER_OVERDUE: _member_overdue,
    Kind.SECOND_YELLOW: _second_yellow,
    Kind.COMMUNITY_RATES: _community_rates,
}
assert set(FINDERS) == set(PARAMS) == set(LEVELS) == set(Kind)
