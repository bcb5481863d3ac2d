from __future__ import annotations

from datetime import datetime

from server.cards import service
from server.jobs import Job


def issue_cards(now: datetime) -> str:
    """Evaluate the warning rules over the week just ended and issue the cards (亮牌)."""
    return f"{service.issue(now=now)} cards issued"


# Hourly, not weekly: the issue is state-based (one card per rule, holder and week), so a
# missed Monday is caught up within the hour and a second run issues nothing.
JOBS = [Job("issue_cards", issue_cards, "亮牌预警：按规则评估上周并亮牌，通知被亮牌对象及其上级",
            trigger="interval", trigger_args={"hours": 1})]
