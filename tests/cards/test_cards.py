"""Warning cards (亮牌): each rule kind on hand-made histories with the frozen clock, issuing
twice gives one card, appeals and their decisions, who sees what, and the public board.

The clock starts on Monday 2026-11-23 09:00 (Shanghai); the job run on the next Monday looks
at the week (or window) ending at that Monday's 00:00.
"""

from __future__ import annotations

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.cards.models import Card
from server.extensions import db
from server.jobs import all_jobs
from tests.factories import close_request

RULES = "/api/v1/admin/card-rules"


def _rule(world, **overrides) -> dict:
    body = {"name": "一周红灯过多", "kind": "team_red_lights", "level": "team", "colour": "yellow",
            "params": {"min_red": 2}, "window_days": 7, "expiry_days": 30, "public": True,
            **overrides}
    response = world.as_("demo-admin").post(RULES, body)
    assert response.status == 201, response.body
    return response.data


def _issue(world) -> str:
    return all_jobs()["issue_cards"].func(world.clock.now())


def _next_monday(world):
    world.clock.advance(days=7, hours=1)  # Monday 2026-11-30 10:00 local


def _cards(world, openid="demo-admin", query="") -> list[dict]:
    response = world.as_(openid).get(f"/api/v1/cards{query}")
    assert response.status == 200, response.body
    return response.data["items"]


def _inbox(world, openid, kind):
    items = world.as_(openid).get("/api/v1/notifications").data["items"]
    return [n for n in items if n["kind"] == kind]


def _accept(world, openid, request_id):
    assert world.as_(openid).post(f"/api/v1/requests/{request_id}/accept").status == 200


def test_a_team_with_enough_red_lights_in_a_week_gets_one_card_however_often_the_job_runs(world):
    rule = _rule(world)
    _rule(world, name="一周红灯很多", params={"min_red": 3})  # not reached: no card
    world.submit()
    world.submit()
    on_time = world.submit()
    close_request(world, on_time["id"])  # done within its deadline: not red
    _next_monday(world)
    assert _issue(world) == "1 cards issued"
    assert _issue(world) == "0 cards issued"  # idempotent
    world.clock.advance(hours=5)
    assert _issue(world) == "0 cards issued"
    [card] = _cards(world)
    assert card["rule"]["id"] == rule["id"] and card["level"] == "team"
    assert card["holder_id"] == world.team_a.id and card["colour"] == "yellow"
    assert card["period"] == "2026-11-30" and card["evidence"] == {"red": 2}
    assert card["status"] == "active" and card["standing"] is True
    assert card["expires_at"].startswith("2026-12-30T00:00:00+08:00")
    assert "2件诉求亮红灯" in card["reason"]
    told = _inbox(world, "demo-member-a", "card_issued")
    assert len(told) == 1 and told[0]["title"] == "亮黄牌：一周红灯过多"
    supervisor = _inbox(world, "demo-committee", "card_issued")
    assert len(supervisor) == 1 and supervisor[0]["title"].endswith("被亮黄牌")
    # The rule is public: the team's card is on the community's public page.
    board = world.client.get(f"/api/v1/public/communities/{world.community.id}/sunlight").get_json()
    assert [(c["team"], c["label"], c["rule"]) for c in board["data"]["cards"]] == [
        (world.team_a.name, "黄牌", "一周红灯过多")]
    page = world.client.get(f"/sunlight/communities/{world.community.id}").get_data(as_text=True)
    assert "亮牌公示" in page and "一周红灯过多" in page


def test_a_team_below_the_satisfaction_threshold_on_enough_ratings(world):
    _rule(world, name="满意率偏低", kind="team_satisfaction", public=False,
          params={"below": 0.8, "min_ratings": 2})
    _rule(world, name="满意率偏低（样本大）", kind="team_satisfaction",
          params={"below": 0.8, "min_ratings": 3})
    resident = world.as_("demo-resident")
    for satisfaction in ("dissatisfied", "satisfied"):
        created = world.submit()
        close_request(world, created["id"])
        rated = resident.post(f"/api/v1/requests/{created['id']}/rate",
                              {"resolved": True, "satisfaction": satisfaction})
        assert rated.status == 200, rated.body
    _next_monday(world)
    assert _issue(world) == "1 cards issued"
    [card] = _cards(world)
    assert card["rule"]["name"] == "满意率偏低" and card["holder_id"] == world.team_a.id
    assert card["evidence"] == {"rated": 2, "satisfied": 1, "satisfaction_rate": 0.5}
    assert "满意率为50.0%，低于80%" in card["reason"]
    board = world.client.get(f"/api/v1/public/communities/{world.community.id}/sunlight").get_json()
    assert board["data"]["cards"] == []  # this rule is not public


def test_a_member_who_let_accepted_requests_go_overdue_and_only_they_see_it(world):
    _rule(world, name="接单超期", kind="member_overdue", level="member", public=False,
          params={"min_overdue": 1}, window_days=30)
    late = world.submit()
    _accept(world, "demo-member-a", late["id"])
    never_taken = world.submit()  # overdue too, but nobody accepted it: no member answers for it
    done = world.submit()
    _accept(world, "demo-member-a2", done["id"])
    assert world.as_("demo-member-a2").post(f"/api/v1/requests/{done['id']}/resolve",
                                            {"note": "已处理"}).status == 200
    assert never_taken["status"] == "dispatched"
    _next_monday(world)
    assert _issue(world) == "1 cards issued"
    [card] = _cards(world, "demo-member-a")
    assert card["level"] == "member" and card["holder_id"] == world.user("demo-member-a").id
    assert card["holder_name"] == "王建国" and card["evidence"] == {"overdue": 1}
    assert _cards(world, "demo-member-a2") == []
    assert world.as_("demo-member-a2").get(f"/api/v1/cards/{card['id']}").status == 404
    assert world.as_("demo-member-b").get(f"/api/v1/cards/{card['id']}").status == 404
    assert world.as_("demo-committee").get(f"/api/v1/cards/{card['id']}").status == 200
    board = world.client.get(f"/api/v1/public/communities/{world.community.id}/sunlight").get_json()
    assert board["data"]["cards"] == []
    # A member's card can never be made public.
    refused = world.as_("demo-admin").post(RULES, {
        "name": "公开党员", "kind": "member_overdue", "level": "member", "colour": "yellow",
        "params": {"min_overdue": 1}, "window_days": 30, "expiry_days": 30, "public": True})
    assert refused.status == 422 and "public" in refused.body["errors"]


def test_a_second_yellow_within_the_window_gives_a_red_card_once(world):
    _rule(world, name="红灯黄牌", params={"min_red": 1}, expiry_days=7, public=False)
    red_rule = _rule(world, name="再次黄牌", kind="second_yellow", colour="red", params={},
                     window_days=91, public=False)
    assert red_rule["params"] == {"yellows": 2}
    world.submit()
    _next_monday(world)  # 11-30: the first yellow
    assert _issue(world) == "1 cards issued"
    world.submit()  # overdue within the week of 11-30
    world.clock.advance(days=7)  # 12-07: the second yellow, and its red in the same run
    assert _issue(world) == "2 cards issued"
    assert _issue(world) == "0 cards issued"
    cards = _cards(world, "demo-committee")
    assert [(c["colour"], c["period"]) for c in cards][:2] == [("red", f"yellow-{cards[1]['id']}"),
                                                              ("yellow", "2026-12-07")]
    assert cards[0]["holder_id"] == world.team_a.id
    assert cards[0]["evidence"]["yellow_card_ids"] == [cards[2]["id"], cards[1]["id"]]
    assert "第2次亮黄牌" in cards[0]["reason"]
    titles = [n["title"] for n in _inbox(world, "demo-member-a", "card_issued")]
    assert "亮红牌：再次黄牌" in titles


def test_a_community_whose_rates_fall_below_the_thresholds(world):
    _rule(world, name="三率不达标", kind="community_rates", level="community", public=False,
          params={"response_below": 0.9, "satisfaction_below": 0.6})
    world.submit()  # nobody accepts it in time: 响应率 0
    on_time = world.submit()
    _accept(world, "demo-member-a", on_time["id"])
    _next_monday(world)
    assert _issue(world) == "1 cards issued"  # the other community had no request
    [card] = _cards(world)
    assert card["level"] == "community" and card["holder_id"] == world.community.id
    assert card["holder_name"] == "庆生社区"
    assert card["reason"] == "7天内响应率50.0%低于90%"  # nothing rated: satisfaction not judged
    assert card["evidence"]["response_rate"] == 0.5 and card["evidence"]["dispatched"] == 2
    assert _inbox(world, "demo-committee", "card_issued")  # the holder: the committee
    assert _inbox(world, "demo-street", "card_issued")  # who supervises it: the street
    assert _inbox(world, "demo-county", "card_issued")
    # The committee appeals its community's card; the street decides.
    appeal = world.as_("demo-committee").post(f"/api/v1/cards/{card['id']}/appeal",
                                              {"reason": "当周系统停电两天"})
    assert appeal.status == 200, appeal.body
    assert world.as_("demo-committee").post(f"/api/v1/cards/{card['id']}/decision", {
        "decision": "revoke", "reason": "自己不能处理自己的申诉"}).status == 403
    decided = world.as_("demo-street").post(f"/api/v1/cards/{card['id']}/decision",
                                            {"decision": "uphold", "reason": "停电不影响接单"})
    assert decided.status == 200 and decided.data["status"] == "upheld"


def test_an_appeal_is_decided_by_the_committee_with_its_reason_on_record(world):
    _rule(world, params={"min_red": 1})
    world.submit()
    _next_monday(world)
    _issue(world)
    [card] = _cards(world)
    path = f"/api/v1/cards/{card['id']}"
    assert world.as_("demo-committee").post(path + "/appeal", {"reason": "不是我们"}).status == 403
    assert world.as_("demo-member-b").post(path + "/appeal", {"reason": "不是我们"}).status == 404
    assert world.as_("demo-member-a").post(path + "/appeal", {}).status == 422
    appealed = world.as_("demo-member-a").post(path + "/appeal", {"reason": "两件均因居民不在家无法入户"})
    assert appealed.status == 200, appealed.body
    assert appealed.data["status"] == "appealed" and appealed.data["status_label"] == "申诉中"
    assert appealed.data["appeal_reason"] == "两件均因居民不在家无法入户"
    again = world.as_("demo-member-a2").post(path + "/appeal", {"reason": "再申诉"})
    assert again.status == 409 and again.code == 40980
    assert _inbox(world, "demo-committee", "card_appealed")
    assert world.as_("demo-member-a").post(path + "/decision", {
        "decision": "revoke", "reason": "同意"}).status == 403
    world.with_other_committee()
    assert world.as_("js-committee").post(path + "/decision", {
        "decision": "revoke", "reason": "同意"}).status == 404
    bad = world.as_("demo-committee").post(path + "/decision", {"decision": "maybe", "reason": "x"})
    assert bad.status == 422
    decided = world.as_("demo-committee").post(path + "/decision", {
        "decision": "revoke", "reason": "核实属实，撤销亮牌"})
    assert decided.status == 200, decided.body
    data = decided.data
    assert data["status"] == "revoked" and data["standing"] is False
    assert data["decision_reason"] == "核实属实，撤销亮牌"
    assert data["decided_by_id"] == world.user("demo-committee").id
    twice = world.as_("demo-committee").post(path + "/decision", {"decision": "uphold", "reason": "改判"})
    assert twice.status == 409 and twice.code == 40981
    told = _inbox(world, "demo-member-a", "card_decided")
    assert len(told) == 1 and told[0]["title"] == "申诉处理结果：撤销亮牌"
    audit = db.session.execute(select(AuditEntry.action, AuditEntry.data).where(
        AuditEntry.subject == "card").order_by(AuditEntry.id)).all()
    assert [a for a, _ in audit] == ["card.appeal", "card.decide"]
    assert audit[1][1] == {"decision": "revoked", "reason": "核实属实，撤销亮牌"}
    board = world.client.get(f"/api/v1/public/communities/{world.community.id}/sunlight").get_json()
    assert board["data"]["cards"] == []  # a revoked card no longer shows
    assert _cards(world, query="?standing=true") == []


def test_cards_expire_by_rule(world):
    _rule(world, params={"min_red": 1}, expiry_days=3)
    world.submit()
    _next_monday(world)
    _issue(world)
    [card] = _cards(world, "demo-member-a", "?standing=true")
    assert card["expires_at"].startswith("2026-12-03T00:00:00+08:00")
    world.clock.advance(days=3)
    assert _cards(world, "demo-member-a", "?standing=true") == []
    assert _cards(world, "demo-member-a")[0]["standing"] is False
    late = world.as_("demo-member-a").post(f"/api/v1/cards/{card['id']}/appeal", {"reason": "迟到的申诉"})
    assert late.status == 409 and late.code == 40982
    board = world.client.get(f"/api/v1/public/communities/{world.community.id}/sunlight").get_json()
    assert board["data"]["cards"] == []


def test_who_sees_which_cards(world):
    _rule(world, params={"min_red": 1})
    _rule(world, name="接单超期", kind="member_overdue", level="member", public=False,
          params={"min_overdue": 1})
    taken = world.submit()
    _accept(world, "demo-member-a", taken["id"])
    _next_monday(world)
    assert _issue(world) == "2 cards issued"
    levels = lambda items: sorted(c["level"] for c in items)  # noqa: E731
    assert levels(_cards(world, "demo-member-a")) == ["member", "team"]
    assert levels(_cards(world, "demo-member-a2")) == ["team"]  # the team's, not a teammate's
    assert _cards(world, "demo-member-b") == []  # another team
    assert levels(_cards(world, "demo-committee")) == ["member", "team"]
    assert levels(_cards(world, "demo-street")) == ["member", "team"]
    assert levels(_cards(world, "demo-admin")) == ["member", "team"]
    assert _cards(world, "demo-resident") == []
    world.with_other_committee()
    assert _cards(world, "js-committee") == []


def test_rules_are_data_validated_edited_and_retired_by_the_admin(world):
    admin = world.as_("demo-admin")
    good = {"name": "一周红灯", "kind": "team_red_lights", "level": "team", "colour": "yellow",
            "params": {"min_red": 2}, "window_days": 7, "expiry_days": 30}
    for wrong, field in (({"kind": "whatever"}, "kind"), ({"level": "member"}, "level"),
                         ({"colour": "green"}, "colour"), ({"window_days": 0}, "window_days"),
                         ({"params": {}}, "params"), ({"params": {"min_red": 0}}, "params"),
                         ({"params": {"min_red": 1.5}}, "params"),
                         ({"params": {"min_red": 2, "max_red": 3}}, "params"),
                         ({"kind": "second_yellow", "params": {}}, "colour"),
                         ({"kind": "community_rates", "level": "community", "params": {}}, "params"),
                         ({"level": "team", "holder": 1}, "holder")):
        response = admin.post(RULES, {**good, **wrong})
        assert response.status == 422 and field in response.body["errors"], (wrong, response.body)
    missing = admin.post(RULES, {**good, "params": {}})
    assert missing.body["msg"] == "规则参数无效：红灯数为必填项"
    out_of_range = admin.post(RULES, {**good, "kind": "team_satisfaction",
                                      "params": {"below": 1.5, "min_ratings": 3}})
    assert out_of_range.body["msg"] == "规则参数无效：满意率低于需在0至1之间"
    assert world.as_("demo-committee").post(RULES, good).status == 403
    created = admin.post(RULES, good).data
    rid = created["id"]
    edited = admin.call("PATCH", f"{RULES}/{rid}", json={"params": {"min_red": 4}, "public": True})
    assert edited.status == 200 and edited.data["params"] == {"min_red": 4} and edited.data["public"]
    assert admin.call("PATCH", f"{RULES}/{rid}", json={"kind": "member_overdue"}).status == 422
    assert admin.call("PATCH", f"{RULES}/{rid}", json={"params": {"min_red": -1}}).status == 422
    assert admin.get(RULES).data["items"][0]["params"] == {"min_red": 4}
    retired = admin.post(f"{RULES}/{rid}/retire")
    assert retired.status == 200 and retired.data["is_active"] is False
    again = admin.post(f"{RULES}/{rid}/retire")
    assert again.status == 409 and again.code == 40983
    assert admin.call("PATCH", f"{RULES}/{rid}", json={"name": "改名"}).status == 409
    assert admin.post(f"{RULES}/{2**31 - 1}/retire").status == 404
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == "card_rule").order_by(AuditEntry.id)))
    assert actions == ["card_rule.create", "card_rule.edit", "card_rule.retire"]
    # A retired rule issues nothing.
    world.submit()
    world.submit()
    _next_monday(world)
    assert _issue(world) == "0 cards issued"
    assert db.session.scalar(select(Card.id)) is None
