"""Request events other domains react to (see ``server.discovery.emit``)."""

from __future__ import annotations

from datetime import datetime

from server.discovery import emit
from server.requests.models import Request

RED_LIGHT = "requests.red_light"


def red_light(request: Request, now: datetime) -> None:
    """Called in the light sweep's transaction when a request turns red (once per cycle), after
    the committee was told. The units that answer for its community (包保) are told here."""
    emit(RED_LIGHT, request=request, now=now)
