"""Nearby requests, "me too" (附议), and merging a duplicate into its original."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.notifications.models import Notification
from server.place import coords
from server.requests.models import Request, Support
from server.sunlight.figures import figures_for
from tests.place.conftest import DEMO_POINT


def _nearby(api, lat, lng, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.get(f"/api/v1/requests/nearby?lat={lat}&lng={lng}" + (f"&{query}" if query else ""))


def _at(world, lat, lng, openid="demo-resident", **extra):
    return world.submit(openid, lat=lat, lng=lng, **extra)


def test_a_neighbour_sees_an_open_request_nearby_with_public_fields_only(world):
    mine = _at(world, *DEMO_POINT, public=False)
    far = _at(world, DEMO_POINT[0] + 0.003, DEMO_POINT[1])  # ~330 m north
    gcj = coords.from_wgs84(DEMO_POINT[0] + 0.0002, DEMO_POINT[1], "gcj02")  # 22 m away
    response = _nearby(world.as_("demo-resident-2"), *gcj, coord_system="gcj02")
    assert response.status == 200, response.body
    assert response.data["radius_m"] == 50
    (item,) = response.data["items"]
    assert item["id"] == mine["id"] and item["no"] == mine["no"]
    assert item["description"] is None  # not public: not shown
    assert item["supporters"] == 0 and item["supported"] is False and item["own"] is False
    assert item["distance_m"] <= 60 and item["distance_m"] % 10 == 0
    for private in ("lat", "lng", "address", "resident_id", "sent_lat"):
        assert private not in item
    wide = _nearby(world.as_("demo-resident-2"), *DEMO_POINT, radius=500)
    assert [i["id"] for i in wide.data["items"]] == [mine["id"], far["id"]]  # nearest first
    assert _nearby(world.as_("demo-resident"), *DEMO_POINT).data["items"][0]["own"] is True


def test_nearby_filters_by_category_and_shows_only_open_requests(world):
    sanitation = _at(world, *DEMO_POINT)
    _at(world, *DEMO_POINT, category_code="safety")
    cancelled = _at(world, *DEMO_POINT)
    world.as_("demo-resident").post(f"/api/v1/requests/{cancelled['id']}/cancel")
    items = _nearby(world.as_("demo-resident-2"), *DEMO_POINT, category_code="sanitation").data["items"]
    assert [i["id"] for i in items] == [sanitation["id"]]


def test_nearby_radius_is_capped_and_input_checked(world):
    api = world.as_("demo-resident")
    assert _nearby(api, *DEMO_POINT, radius=world.app.config["NEARBY_MAX_M"] + 1).status == 422
    assert _nearby(api, *DEMO_POINT, radius=0).status == 422
    assert _nearby(api, 91, 123).status == 422
    assert _nearby(world.as_(None), *DEMO_POINT).status == 401


def test_me_too_follows_counts_once_and_can_be_withdrawn(world, clock):
    original = _at(world, *DEMO_POINT, public=True)
    neighbour = world.as_("demo-resident-2")
    backed = neighbour.post(f"/api/v1/requests/{original['id']}/support")
    assert backed.status == 200 and backed.data["supporters"] == 1
    assert neighbour.post(f"/api/v1/requests/{original['id']}/support").code == 40908
    assert world.as_("demo-resident").post(f"/api/v1/requests/{original['id']}/support").code == 40907
    assert _nearby(neighbour, *DEMO_POINT).data["items"][0]["supported"] is True
    # Counted on its public page and in the public list, once in the figures.
    public = world.client.get(f"/api/v1/public/requests/{original['no']}").get_json()["data"]
    assert public["supporters"] == 1
    assert "1 人附议" in world.client.get(f"/sunlight/requests/{original['no']}").get_data(as_text=True)
    assert figures_for(now=clock.now(), community_id=world.community.id)[None].total == 1
    # The supporter is told of its progress like its owner.
    world.as_("demo-member-a").post(f"/api/v1/requests/{original['id']}/accept")
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.request_id == original["id"], Notification.kind == "request_accepted")).all()
    assert sorted(told) == sorted([world.user("demo-resident").id, world.user("demo-resident-2").id])
    # Withdrawn: no longer counted; withdrawing twice is a 404.
    assert neighbour.call("DELETE", f"/api/v1/requests/{original['id']}/support").data["supporters"] == 0
    assert neighbour.call("DELETE", f"/api/v1/requests/{original['id']}/support").status == 404


def test_a_finished_request_cannot_be_backed(world):
    created = _at(world, *DEMO_POINT)
    world.as_("demo-resident").post(f"/api/v1/requests/{created['id']}/cancel")
    response = world.as_("demo-resident-2").post(f"/api/v1/requests/{created['id']}/support")
    assert response.status == 409
    assert world.as_("demo-resident-2").post("/api/v1/requests/999999/support").status == 404


def test_the_committee_merges_a_duplicate_into_its_original(world, clock):
    original = _at(world, *DEMO_POINT)
    duplicate = _at(world, *DEMO_POINT, openid="demo-resident-2")
    db.session.add(Support(request_id=duplicate["id"], user_id=world.user("demo-member-a2").id,
                           created_at=clock.now()))
    db.session.execute(Request.__table__.update().where(Request.id == duplicate["id"])
                       .values(support_count=1))
    db.session.commit()
    committee = world.as_("demo-committee")
    merged = committee.post(f"/api/v1/requests/{duplicate['id']}/merge", {"into": original["id"]})
    assert merged.status == 200, merged.body
    assert merged.data["status"] == "merged" and merged.data["duplicate_of_id"] == original["id"]
    assert merged.data["timeline"][-1]["action"] == "merge"
    assert merged.data["timeline"][-1]["data"]["into"] == original["no"]
    after = committee.get(f"/api/v1/requests/{original['id']}").data
    assert after["timeline"][-1]["action"] == "absorb"
    assert after["timeline"][-1]["data"]["duplicate"] == duplicate["no"]
    assert after["supporters"] == 2  # the duplicate's owner and its supporter now follow it
    page = world.client.get(f"/sunlight/requests/{original['no']}").get_data(as_text=True)
    assert duplicate["no"] in page
    # the problem counts once: the merged duplicate is not counted
    assert figures_for(now=clock.now(), community_id=world.community.id)[None].total == 1
    # Only open originals, of the same community, and not itself.
    assert committee.post(f"/api/v1/requests/{duplicate['id']}/merge", {"into": original["id"]}).status == 409
    third = _at(world, *DEMO_POINT)
    assert committee.post(f"/api/v1/requests/{third['id']}/merge", {"into": third["id"]}).status == 422
    assert committee.post(f"/api/v1/requests/{third['id']}/merge", {"into": duplicate["id"]}).status == 409
    assert world.as_("demo-resident").post(f"/api/v1/requests/{third['id']}/merge",
                                           {"into": original["id"]}).status == 403
