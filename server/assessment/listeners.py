"""What the assessment does when requests report an event (``server.discovery.emit``)."""

from __future__ import annotations

from server.assessment.guarantors import on_red_light
from server.requests.hooks import RED_LIGHT

LISTENERS = {RED_LIGHT: on_red_light}
