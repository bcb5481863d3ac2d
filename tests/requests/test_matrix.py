"""Every (status, action, role): the state machine's table seen from outside, through HTTP.

The expectations are written out here independently of ``server.requests.workflow``:
a role that cannot see the request gets 404; one whose standing may never take the action,
or not in this status, gets 403; an action that does not exist for the status is 409; and
nothing is written when a call fails.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.requests.models import Event, Request

STATUSES = ["dispatched", "accepted", "in_progress", "resolved", "referred", "closed",
            "rejected", "cancelled", "merged"]
ACTIONS = ["accept", "cancel", "progress", "resolve", "approve", "return", "assign", "reject",
           "escalate", "rate", "reopen", "report_back", "moderate", "merge", "instruct"]
PATH_OF = {"report_back": "whistle/report", "moderate": "moderation/clear"}
ROLES = {
    "owner": "demo-resident",
    "other_resident": "demo-resident-2",
    "handler": "demo-member-a",  # accepts it (from "accepted" on); a team member before
    "team_member": "demo-member-a2",
    "other_team": "demo-member-b",  # B post of the section: not dispatched to it
    "committee": "demo-committee",
    "other_committee": "js-committee",
    "admin": "demo-admin",
    "street": "demo-street",  # staff of the street of the request's community
    "county": "demo-county",
}

# How each role stands to the request in each status (with how the status is reached below).
def standing(role: str, status: str) -> set[str]:
    if role == "owner":
        return {"owner"}
    if role == "handler":
        return {"team"} if status in ("dispatched", "cancelled", "rejected", "merged") else {"team", "handler"}
    if role == "team_member":
        return {"team"}
    if role in ("committee", "street", "county"):
        return {role}
    return set()


# The contract: (status, action) -> (standing that may do it, resulting status).
ALLOWED = {
    ("dispatched", "accept"): ("team", "accepted"),
    ("dispatched", "cancel"): ("owner", "cancelled"),
    ("accepted", "progress"): ("handler", "in_progress"),
    ("in_progress", "progress"): ("handler", "in_progress"),
    ("accepted", "resolve"): ("handler", "resolved"),
    ("in_progress", "resolve"): ("handler", "resolved"),
    ("referred", "resolve"): ("committee", "resolved"),
    ("referred", "report_back"): ("committee", "referred"),
    ("resolved", "approve"): ("committee", "closed"),
    ("resolved", "return"): ("committee", "in_progress"),
    **{(s, "assign"): ("committee", "accepted")
       for s in ("dispatched", "accepted", "in_progress", "resolved", "referred")},
    **{(s, "reject"): ("committee", "rejected")
       for s in ("dispatched", "accepted", "in_progress", "resolved", "referred")},
    # the street supervising the community may take it over by blowing the whistle itself
    **{(s, "escalate"): (("committee", "street"), "referred")
       for s in ("dispatched", "accepted", "in_progress")},
    # supervision (督办): the street or the county instructs the committee; the status stays
    **{(s, "instruct"): (("street", "county"), s)
       for s in ("dispatched", "accepted", "in_progress", "resolved", "referred")},
    # a duplicate closes into an open original of the same community
    **{(s, "merge"): ("committee", "merged")
       for s in ("dispatched", "accepted", "in_progress", "resolved", "referred")},
    ("closed", "rate"): ("owner", "closed"),
    # reopen needs an unresolved or dissatisfied rating first: covered in test_lifecycle
    ("closed", "reopen"): ("owner", None),
    # releasing held content needs content on hold first: covered in tests/wechat
    **{(s, "moderate"): ("committee", None) for s in STATUSES},
}


def _whos(who) -> set[str]:
    return {who} if isinstance(who, str) else set(who)


def expected(status: str, action: str, role: str) -> tuple[int, str | None]:
    mine = standing(role, status)
    if not mine:
        return 404, None
    if (status, action) in ALLOWED:
        who, to = ALLOWED[(status, action)]
        if _whos(who) & mine:
            return (409, None) if to is None else (200, to)
        return 403, None
    ever = set().union(*(_whos(who) for (s, a), (who, _) in ALLOWED.items() if a == action))
    return (409, None) if ever & mine else (403, None)


BODIES = {
    "progress": {"note": "正在处理"},
    "resolve": {"note": "已处理完毕"},
    "return": {"reason": "请补充照片"},
    "reject": {"reason": "非本社区事项"},
    "escalate": {"department": "housing", "note": "需要专业维修"},
    "rate": {"resolved": True, "satisfaction": "satisfied"},
    "reopen": {"reason": "问题仍然存在"},
    "report_back": {"note": "住建局已到场"},
    "instruct": {"instruction": "请加快办理"},
}

PATHS = {  # how each status is reached, by whom
    "dispatched": [],
    "accepted": [("demo-member-a", "accept", {})],
    "in_progress": [("demo-member-a", "accept", {}), ("demo-member-a", "progress", BODIES["progress"])],
    "resolved": [("demo-member-a", "accept", {}), ("demo-member-a", "resolve", BODIES["resolve"])],
    "referred": [("demo-member-a", "accept", {}), ("demo-committee", "escalate", BODIES["escalate"])],
    "closed": [("demo-member-a", "accept", {}), ("demo-member-a", "resolve", BODIES["resolve"]),
               ("demo-committee", "approve", {})],
    "rejected": [("demo-committee", "reject", BODIES["reject"])],
    "cancelled": [("demo-resident", "cancel", {})],
    "merged": [("demo-committee", "merge", "an original")],
}


def _body(world, body):
    """A merge needs an open original to merge into: a fresh one."""
    return {"into": world.submit()["id"]} if body == "an original" else body


@pytest.fixture
def matrix_world(world):
    return world.with_other_committee()


def bring_to(world, status: str) -> int:
    rid = world.submit()["id"]
    for openid, action, body in PATHS[status]:
        response = world.as_(openid).post(f"/api/v1/requests/{rid}/{action}", _body(world, body))
        assert response.status == 200, (status, action, response.body)
    assert world.as_("demo-resident").get(f"/api/v1/requests/{rid}").data["status"] == status
    return rid


def _snapshot(rid: int):
    db.session.expire_all()
    request = db.session.get(Request, rid)
    events = db.session.scalars(select(Event.id).where(Event.request_id == rid)).all()
    return request.status, request.version, len(events)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_status_action_and_role(matrix_world, status, action):
    world = matrix_world
    body = dict(BODIES.get(action, {}))
    if action == "assign":
        body = {"member_id": world.user("demo-member-a2").id}
    if action == "merge":
        body = _body(world, "an original")
    outcomes = {}
    shared = bring_to(world, status)  # refusals write nothing, so they can share one request
    for role, openid in ROLES.items():
        want_status, want_to = expected(status, action, role)
        rid = bring_to(world, status) if want_status == 200 else shared
        before = _snapshot(rid)
        path = PATH_OF.get(action, action)
        response = world.as_(openid).post(f"/api/v1/requests/{rid}/{path}", body)
        outcomes[role] = response.status
        assert response.status == want_status, (role, response.body)
        if want_status == 200:
            assert response.data["status"] == want_to
            after = _snapshot(rid)
            assert after[2] == before[2] + 1, "one timeline event per successful action"
        else:
            assert response.code != 0 and response.body["msg"]
            assert _snapshot(rid) == before, "a refused action writes nothing"
    assert outcomes  # every role was tried


def test_the_contract_covers_the_whole_table():
    """If the state machine grows a transition, this contract must be extended with it."""
    from server.requests.enums import Action, Relation
    from server.requests.workflow import TABLE

    implemented = {
        (status.value, action.value)
        for (status, action), rule in TABLE.items()
        # ABSORB is the original's side of a merge, never called alone (tests/place)
        if action not in (Action.SUBMIT, Action.ESCALATE_HOP, Action.ABSORB)
        and rule.who != {Relation.SYSTEM}
    }
    assert implemented == set(ALLOWED)
