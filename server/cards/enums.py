from enum import StrEnum


class Kind(StrEnum):
    """What a warning rule looks at (亮牌预警); a rule is a kind with thresholds (data)."""

    TEAM_RED_LIGHTS = "team_red_lights"  # a team's requests that went red (overdue) in the window
    TEAM_SATISFACTION = "team_satisfaction"  # a team's satisfaction rate on enough ratings
    MEMBER_OVERDUE = "member_overdue"  # accepted requests a member let go overdue
    SECOND_YELLOW = "second_yellow"  # a red card on another yellow within the window
    COMMUNITY_RATES = "community_rates"  # a community's 三率 below thresholds


class Level(StrEnum):
    TEAM = "team"
    MEMBER = "member"
    COMMUNITY = "community"


class Colour(StrEnum):
    YELLOW = "yellow"
    RED = "red"


class CardStatus(StrEnum):
    ACTIVE = "active"  # issued (已亮牌)
    APPEALED = "appealed"  # the holder appealed; awaiting the decision (申诉中)
    UPHELD = "upheld"  # the appeal was refused: the card stands (维持)
    REVOKED = "revoked"  # the appeal was granted: the card is void (撤销)


COLOUR_LABELS = {Colour.YELLOW: "黄牌", Colour.RED: "红牌"}
LEVEL_LABELS = {Level.TEAM: "服务队", Level.MEMBER: "党员", Level.COMMUNITY: "社区"}
STATUS_LABELS = {CardStatus.ACTIVE: "已亮牌", CardStatus.APPEALED: "申诉中",
                 CardStatus.UPHELD: "申诉未通过", CardStatus.REVOKED: "已撤销"}
# A card counts (and shows) while it stands and has not expired.
STANDING = (CardStatus.ACTIVE, CardStatus.APPEALED, CardStatus.UPHELD)
