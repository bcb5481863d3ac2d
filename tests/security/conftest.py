"""Fixtures of the hardening tests: the demo world plus a committee of the other community."""

from __future__ import annotations

import pytest

ROLES = {
    "anon": None,
    "resident": "demo-resident",
    "resident2": "demo-resident-2",
    "member": "demo-member-a",  # A post of the demo grid: requests are dispatched to it
    "other_member": "demo-member-b",  # B post of the demo section: another team
    "committee": "demo-committee",
    "other_committee": "js-committee",  # committee of the other community
    "admin": "demo-admin",
    "street": "demo-street",  # staff of the first community's street (the other is elsewhere)
    "county": "demo-county",
}


@pytest.fixture
def sec_world(world):
    return world.with_other_committee()
