"""Service activities: posting, signing up under a capacity, withdrawing, attendance and hours."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inservice.models import Activity, Signup
from tests.factories import Api
from tests.inservice.conftest import approved, make_activity, post_activity
from tests.races import race


def test_sign_up_attend_and_be_credited(world, clock):
    activity = make_activity(world, capacity=2, hours=2.5)
    assert activity["remaining"] == 2
    member = world.as_("demo-inservice")
    listed = member.get("/api/v1/activities").data["items"]
    assert [a["id"] for a in listed] == [activity["id"]]
    aid = activity["id"]

    signed = member.post(f"/api/v1/activities/{aid}/signup")
    assert signed.status == 200 and signed.data["status"] == "signed_up"
    assert member.post(f"/api/v1/activities/{aid}/signup").code == 40955
    detail = member.get(f"/api/v1/activities/{aid}").data
    assert detail["activity"]["taken"] == 1 and detail["my_signup"]["status"] == "signed_up"

    assert member.post(f"/api/v1/activities/{aid}/withdraw").data["status"] == "withdrawn"
    assert member.get(f"/api/v1/activities/{aid}").data["activity"]["taken"] == 0
    assert member.post(f"/api/v1/activities/{aid}/withdraw").code == 40957
    assert member.post(f"/api/v1/activities/{aid}/signup").status == 200

    committee = world.as_("demo-committee")
    who = world.user("demo-inservice").id
    early = committee.post(f"/api/v1/activities/{aid}/attendance", {"member_ids": [who]})
    assert early.status == 409 and early.code == 40956
    clock.advance(days=2, hours=1)
    assert member.post(f"/api/v1/activities/{aid}/withdraw").code == 40954
    confirmed = committee.post(f"/api/v1/activities/{aid}/attendance", {"member_ids": [who]})
    assert confirmed.status == 200, confirmed.body
    assert confirmed.data == [{"user_id": who, "name": "陈立新", "status": "signed_up",
                               "attended": True, "hours": 2.5,
                               "signed_up_at": confirmed.data[0]["signed_up_at"]}]
    # Confirming again credits nothing twice.
    committee.post(f"/api/v1/activities/{aid}/attendance", {"member_ids": [who]})
    record = member.get("/api/v1/inservice/me").data
    assert record["hours_total"] == 2.5 and record["hours_this_year"] == 2.5
    assert record["activities_attended"] == 1
    assert record["activities"][0]["activity"]["id"] == aid


def test_full_and_started_activities_refuse_sign_ups(world, clock):
    aid = make_activity(world, capacity=1)["id"]
    assert world.as_("demo-inservice").post(f"/api/v1/activities/{aid}/signup").status == 200
    full = world.as_("demo-member-b").post(f"/api/v1/activities/{aid}/signup")
    assert full.status == 409 and full.code == 40953
    later = make_activity(world)["id"]
    clock.advance(days=2)
    started = world.as_("demo-member-b").post(f"/api/v1/activities/{later}/signup")
    assert started.status == 409 and started.code == 40954


def test_who_may_sign_up(world, other_committee):
    aid = make_activity(world)["id"]
    # A resident who does not serve here cannot even see it; the committee sees but may not join.
    assert world.as_("demo-resident").post(f"/api/v1/activities/{aid}/signup").status == 404
    assert world.as_(other_committee).post(f"/api/v1/activities/{aid}/signup").status == 404
    assert world.as_(other_committee).get("/api/v1/activities").data["items"] == []
    assert world.as_("demo-committee").post(f"/api/v1/activities/{aid}/signup").status == 403
    assert world.as_("demo-resident").get("/api/v1/activities").status == 403
    assert world.as_("demo-member-a").post("/api/v1/activities/999999/signup").status == 404


def test_a_newly_approved_cadre_can_sign_up(world):
    approved(world, "cadre-1")
    aid = make_activity(world)["id"]
    assert world.as_("cadre-1").post(f"/api/v1/activities/{aid}/signup").status == 200


@pytest.mark.parametrize(("overrides", "status"), [
    ({"capacity": 0}, 422),
    ({"hours": 0}, 422),
    ({"starts_at": "2026-11-25T09:00:00"}, 422),  # no offset
    ({"taken": 3}, 422),
    ({"ends_at": "2026-11-24T09:00:00+08:00"}, 422),  # before it starts
    ({"starts_at": "2026-11-20T09:00:00+08:00"}, 422),  # in the past
])
def test_invalid_activities_are_422(world, overrides, status):
    assert post_activity(world, **overrides).status == status


def test_only_the_committee_of_the_community_posts_activities(world, other_committee):
    assert post_activity(world, committee="demo-member-a").status == 403
    assert post_activity(world, committee=other_committee).status == 403
    assert post_activity(world).status == 201


def test_attendance_rules(world, clock, other_committee):
    aid = make_activity(world)["id"]
    world.as_("demo-inservice").post(f"/api/v1/activities/{aid}/signup")
    clock.advance(days=3)
    stranger = world.user("demo-member-a").id
    body = {"member_ids": [world.user("demo-inservice").id, stranger]}
    refused = world.as_("demo-committee").post(f"/api/v1/activities/{aid}/attendance", body)
    assert refused.status == 422 and refused.code == 42251
    path = f"/api/v1/activities/{aid}/attendance"
    assert world.as_("demo-member-b").post(path, body).status == 403
    assert world.as_(other_committee).post(path, body).status == 404
    assert world.as_("demo-member-b").get(f"/api/v1/activities/{aid}/signups").status == 403
    assert db.session.scalar(select(Signup.attended).where(Signup.activity_id == aid)) is False


def test_many_racing_for_the_last_seat_yield_one_success(world):
    """Twelve members at once, two seats of which one is already taken: exactly one wins."""
    aid = make_activity(world, capacity=2)["id"]
    assert world.as_("demo-member-b").post(f"/api/v1/activities/{aid}/signup").status == 200
    racers = [f"racer-{i}" for i in range(12)]
    for openid in racers:
        approved(world, openid, name=f"赛{openid[-2:]}跑")
    tokens = [world.as_(openid).token for openid in racers]
    app = world.app
    barrier = threading.Barrier(len(tokens))
    results: list[tuple[int, int]] = []

    def race(token: str) -> None:
        client = Api(app.test_client(), token)
        barrier.wait()
        response = client.post(f"/api/v1/activities/{aid}/signup")
        results.append((response.status, response.code))

    threads = [threading.Thread(target=race, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(200, 0)] + [(409, 40953)] * (len(tokens) - 1)
    db.session.expire_all()
    assert db.session.get(Activity, aid).taken == 2
    live = db.session.scalars(select(Signup).where(Signup.activity_id == aid,
                                                   Signup.status == "signed_up")).all()
    assert len(live) == 2


def test_signing_up_again_at_once_after_a_withdrawal_takes_one_seat(world):
    """Withdrawn, then three sign-ups at once by the same member: one succeeds, the seat count
    stays true (it once leaked two seats for good)."""
    aid = make_activity(world, capacity=5)["id"]
    member = world.as_("demo-member-b")
    assert member.post(f"/api/v1/activities/{aid}/signup").status == 200
    assert member.post(f"/api/v1/activities/{aid}/withdraw").status == 200
    token = member.token
    db.session.remove()
    answers = race(world.app, [lambda client: Api(client, token).post(
        f"/api/v1/activities/{aid}/signup") for _ in range(3)])
    assert sorted((a.status, a.code) for a in answers) == [(200, 0), (409, 40955), (409, 40955)]
    db.session.expire_all()
    assert db.session.get(Activity, aid).taken == 1
    assert db.session.scalar(select(Signup.status).where(Signup.activity_id == aid)) == "signed_up"
