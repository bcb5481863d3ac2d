"""Cards under concurrency (both databases): two job runs at once issue one card; two members
of a team appealing at once, one appeal; two deciders at once, one decision."""

from __future__ import annotations

from sqlalchemy import func, select

from server.cards.models import Card
from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Notification
from tests.factories import Api
from tests.races import race


def _a_card(world) -> int:
    response = world.as_("demo-admin").post("/api/v1/admin/card-rules", {
        "name": "一周红灯", "kind": "team_red_lights", "level": "team", "colour": "yellow",
        "params": {"min_red": 1}, "window_days": 7, "expiry_days": 30})
    assert response.status == 201, response.body
    world.submit()
    world.clock.advance(days=7, hours=1)
    return response.data["id"]


def test_two_job_runs_at_once_issue_one_card(world, app):
    _a_card(world)
    now = world.clock.now()
    member_id = world.user("demo-member-a").id
    db.session.remove()

    def run(_client):
        with app.app_context():
            try:
                return all_jobs()["issue_cards"].func(now)
            finally:
                db.session.remove()

    results = race(app, [run, run])
    assert sorted(results) == ["0 cards issued", "1 cards issued"]
    assert db.session.scalar(select(func.count()).select_from(Card)) == 1
    told = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "card_issued", Notification.user_id == member_id))
    assert told == 1


def test_two_appeals_at_once_and_two_decisions_at_once_each_have_one_winner(world, app):
    _a_card(world)
    all_jobs()["issue_cards"].func(world.clock.now())
    card_id = db.session.scalar(select(Card.id))
    members = [world.as_("demo-member-a").token, world.as_("demo-member-a2").token]
    deciders = [world.as_("demo-committee").token]
    world.as_("demo-admin")
    db.session.remove()

    appeals = race(app, [lambda client, t=t: Api(client, t).post(
        f"/api/v1/cards/{card_id}/appeal", {"reason": "事出有因"}) for t in members])
    assert sorted(a.status for a in appeals) == [200, 409]
    assert [a.code for a in appeals if a.status == 409] == [40980]

    decisions = race(app, [lambda client, d=d: Api(client, deciders[0]).post(
        f"/api/v1/cards/{card_id}/decision", {"decision": d, "reason": "经核实"})
        for d in ("uphold", "revoke")])
    assert sorted(d.status for d in decisions) == [200, 409]
    winner = next(d for d in decisions if d.status == 200).data["status"]
    assert db.session.get(Card, card_id).status == winner
