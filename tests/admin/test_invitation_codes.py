"""Invitation codes after they are handed out: the committee revokes one and sees who used
which; guessing codes is rate-limited per user and per code."""

from __future__ import annotations

from sqlalchemy import select

from server.admin.models import AuditEntry, Invitation, Person
from server.extensions import db
from tests.admin.conftest import csv_bytes, upload


def _people(world, admin) -> dict:
    section = world.section
    rows = [["QS", "庆生社区", "", section.grid.name, section.name, "B", "孙红梅", "13800004001"],
            ["QS", "庆生社区", "", section.grid.name, section.name, "B", "赵建国", "13800004003"]]
    assert upload(admin, csv_bytes(rows), "qs.csv").status == 200
    return {p.name: p.id for p in db.session.scalars(select(Person))}


def _issue(committee, person_id: int) -> dict:
    issued = committee.post("/api/v1/admin/invitations", {"person_id": person_id})
    assert issued.status == 201, issued.body
    return issued.data


def _listed(committee, world, **params) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    answer = committee.get(f"/api/v1/admin/communities/{world.community.id}/invitations?{query}")
    assert answer.status == 200, answer.body
    return answer.data["items"]


def test_a_revoked_code_no_longer_links(world, admin, committee):
    person = _people(world, admin)["孙红梅"]
    code = _issue(committee, person)["code"]
    invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
    revoked = committee.post(f"/api/v1/admin/invitations/{invitation.id}/revoke", {})
    assert revoked.status == 200, revoked.body
    assert revoked.data["state"] == "revoked" and revoked.data["code"] is None
    refused = world.as_("sun-hongmei").post("/api/v1/me/invitation", {"code": code})
    assert refused.status == 422 and refused.code == 42211
    assert db.session.get(Person, person).user_id is None
    again = committee.post(f"/api/v1/admin/invitations/{invitation.id}/revoke", {})
    assert again.status == 409 and again.code == 40931
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.subject == "invitation", AuditEntry.subject_id == invitation.id)
        .order_by(AuditEntry.id.desc()).limit(1)) == "invitation.revoke"


def test_a_used_code_cannot_be_revoked(world, admin, committee):
    person = _people(world, admin)["孙红梅"]
    code = _issue(committee, person)["code"]
    assert world.as_("sun-hongmei").post("/api/v1/me/invitation", {"code": code}).status == 200
    invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
    refused = committee.post(f"/api/v1/admin/invitations/{invitation.id}/revoke", {})
    assert refused.status == 409 and refused.code == 40931
    assert db.session.get(Person, person).user_id == world.user("sun-hongmei").id


def test_the_committee_sees_which_codes_were_used_and_by_whom(world, admin, committee, clock):
    people = _people(world, admin)
    used = _issue(committee, people["孙红梅"])
    clock.advance(minutes=5)
    waiting = _issue(committee, people["赵建国"])
    clock.advance(minutes=5)
    newcomer = world.as_("sun-hongmei")
    assert newcomer.post("/api/v1/me/invitation", {"code": used["code"]}).status == 200

    rows = _listed(committee, world)
    assert [r["person_name"] for r in rows] == ["赵建国", "孙红梅"]  # newest first
    open_row, used_row = rows
    assert open_row["state"] == "open" and open_row["code"] == waiting["code"]
    assert open_row["redeemed_by"] is None
    assert used_row["state"] == "used" and used_row["code"] is None  # a used code is not shown
    assert used_row["redeemed_by"]["user_id"] == world.user("sun-hongmei").id
    assert used_row["redeemed_at"] is not None
    assert used_row["issued_by"]["user_id"] == world.user("demo-committee").id
    assert [r["person_name"] for r in _listed(committee, world, state="used")] == ["孙红梅"]
    assert [r["person_name"] for r in _listed(committee, world, state="open")] == ["赵建国"]
    clock.advance(days=30)
    assert [r["state"] for r in _listed(committee, world, state="expired")] == ["expired"]
    assert committee.get(f"/api/v1/admin/communities/{world.community.id}/invitations"
                         "?state=lost").status == 422


def test_another_community_sees_and_revokes_nothing(world, admin, committee):
    person = _people(world, admin)["孙红梅"]
    code = _issue(committee, person)["code"]
    invitation = db.session.scalar(select(Invitation).where(Invitation.code == code))
    world.with_other_committee()
    other = world.as_("js-committee")
    assert other.post(f"/api/v1/admin/invitations/{invitation.id}/revoke", {}).status == 404
    assert other.get(f"/api/v1/admin/communities/{world.community.id}/invitations").status == 404
    assert world.as_("demo-resident").get(
        f"/api/v1/admin/communities/{world.community.id}/invitations").status == 403
    db.session.refresh(invitation)
    assert invitation.revoked_at is None


def test_wrong_codes_are_limited_per_user(world, app, admin, committee, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REDEEM", "3 per minute")
    person = _people(world, admin)["孙红梅"]
    code = _issue(committee, person)["code"]
    guesser = world.as_("guesser")
    statuses = [guesser.post("/api/v1/me/invitation", {"code": f"WRONG{i:03d}"}).status
                for i in range(3)]
    assert statuses == [422, 422, 422]
    refused = guesser.post("/api/v1/me/invitation", {"code": code})  # even the right one now
    assert refused.status == 429 and refused.code == 42900
    assert int(refused.headers["Retry-After"]) > 0
    # someone else is not held back by the guesser
    assert world.as_("sun-hongmei").post("/api/v1/me/invitation", {"code": code}).status == 200


def test_a_code_tried_by_many_is_limited(world, app, admin, committee, limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REDEEM_CODE", "2 per hour")
    person = _people(world, admin)["孙红梅"]
    code = _issue(committee, person)["code"]
    assert world.as_("sun-hongmei").post("/api/v1/me/invitation", {"code": code}).status == 200
    # the used code, tried by others (however it is spelled): refused, then limited
    tries = [world.as_(f"other-{i}").post("/api/v1/me/invitation",
                                          {"code": f"{code[:4].lower()} {code[4:]}"}).status
             for i in range(3)]
    assert tries == [409, 409, 429]


def test_successful_redemptions_do_not_count(world, app, admin, committee, limits_on,
                                             monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REDEEM", "1 per minute")
    person = _people(world, admin)["孙红梅"]
    code = _issue(committee, person)["code"]
    newcomer = world.as_("sun-hongmei")
    assert [newcomer.post("/api/v1/me/invitation", {"code": code}).status
            for _ in range(3)] == [200, 200, 200]
