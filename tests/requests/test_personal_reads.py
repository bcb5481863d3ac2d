"""Staff reads of a resident's exact address, point or photos are recorded, like unmasked phone
reads, and the committee lists both for its community."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.requests.models import DetailRead


def _reads() -> list[tuple[int, int, str]]:
    return [(r.viewer_id, r.request_id, r.relation)
            for r in db.session.scalars(select(DetailRead).order_by(DetailRead.id))]


def test_staff_reads_of_the_exact_place_are_recorded_once_a_day(world, clock):
    rid = world.submit()["id"]  # with an address
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    assert world.as_("demo-resident").get(f"/api/v1/requests/{rid}").status == 200
    assert _reads() == []  # the owner reads their own

    assert member.get(f"/api/v1/requests/{rid}").data["address"] == "幸福小区3号楼2单元501"
    assert member.get(f"/api/v1/requests/{rid}").status == 200
    assert _reads() == [(world.user("demo-member-a").id, rid, "team")]
    assert committee.get(f"/api/v1/requests/{rid}").status == 200
    assert _reads()[-1] == (world.user("demo-committee").id, rid, "committee")
    assert world.as_("demo-member-b").get(f"/api/v1/requests/{rid}").status == 404
    assert len(_reads()) == 2

    clock.advance(days=1)
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200  # answered whole
    assert _reads()[-1] == (world.user("demo-member-a").id, rid, "team")  # standing when asked
    assert member.post(f"/api/v1/requests/{rid}/progress", {"note": "已到现场"}).status == 200
    assert len(_reads()) == 3


def test_a_request_without_place_or_photos_is_not_recorded(world):
    rid = world.submit(address=None)["id"]
    assert world.as_("demo-member-a").get(f"/api/v1/requests/{rid}").status == 200
    assert _reads() == []


def test_the_committee_lists_who_read_what(world):
    world.as_("demo-resident").post("/api/v1/me/phone", {"phone": "13812345678"})
    rid = world.submit()["id"]
    number = world.as_("demo-committee").get(f"/api/v1/requests/{rid}").data["no"]
    member = world.as_("demo-member-a")
    member.post(f"/api/v1/requests/{rid}/accept")
    member.get(f"/api/v1/requests/{rid}/contact")
    committee = world.as_("demo-committee")
    base = f"/api/v1/communities/{world.community.id}/personal-reads"

    details = committee.get(base)
    assert details.status == 200, details.body
    items = details.data["items"]
    assert [(i["viewer"]["user_id"], i["relation"]) for i in items] == [
        (world.user("demo-member-a").id, "team"), (world.user("demo-committee").id, "committee")]
    assert {i["request_no"] for i in items} == {number} and items[0]["kind"] == "detail"
    phones = committee.get(f"{base}?kind=phone&request_id={rid}").data["items"]
    assert [(i["viewer"]["user_id"], i["relation"]) for i in phones] == [
        (world.user("demo-member-a").id, "handler")]
    assert committee.get(f"{base}?kind=email").status == 422
    assert committee.get(f"{base}?request_id=abc").status == 422


def test_only_the_communitys_committee_lists_them(world):
    base = f"/api/v1/communities/{world.community.id}/personal-reads"
    assert world.as_("demo-member-a").get(base).status == 403
    assert world.as_("demo-resident").get(base).status == 403
    world.with_other_committee()
    assert world.as_("js-committee").get(base).status == 404
