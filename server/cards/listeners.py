"""The public community board asks for its teams' public cards without knowing the cards."""

from __future__ import annotations

from server.cards import service
from server.sunlight.service import PUBLIC_CARDS

LISTENERS = {PUBLIC_CARDS: service.public_team_cards}
