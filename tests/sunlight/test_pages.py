"""The public pages and their JSON twins: filters, pagination, caching, query counts, errors."""

from __future__ import annotations

import pytest

from server.extensions import db


def _page(world, path, **kw):
    response = world.client.get(path, **kw)
    return response, response.get_data(as_text=True)


def test_filters_and_cursor_pagination(world, clock):
    member = world.as_("demo-member-a")
    ids = [world.submit(category_code="sanitation" if i % 2 else "facilities")["id"]
           for i in range(5)]
    member.post(f"/api/v1/requests/{ids[0]}/accept")
    base = f"/api/v1/public/communities/{world.community.id}/sunlight"
    def page(query):
        return world.client.get(f"{base}?{query}").get_json()["data"]["requests"]

    first = page("limit=2")
    second = page(f"limit=2&cursor={first['next_cursor']}")
    third = page(f"limit=2&cursor={second['next_cursor']}")
    numbers = [r["no"] for r in first["items"] + second["items"] + third["items"]]
    assert len(numbers) == 5 == len(set(numbers)) and third["next_cursor"] is None
    assert numbers == sorted(numbers, reverse=True)  # newest first
    sanitation = world.client.get(f"{base}?category=sanitation").get_json()["data"]["requests"]
    assert [r["category"] for r in sanitation["items"]] == ["环境卫生", "环境卫生"]
    accepted = world.client.get(f"{base}?status=accepted").get_json()["data"]["requests"]["items"]
    assert [r["handler"] for r in accepted] == ["王*"]
    html = world.client.get(
        f"/sunlight/communities/{world.community.id}?limit=2&category=facilities")
    assert 'rel="next"' in html.get_data(as_text=True)
    assert "category=facilities" in html.get_data(as_text=True).split('rel="next"')[1][:300]


def test_light_filter_matches_light_of(world, clock):
    world.submit(category_code="safety")  # resolve within 12 h
    clock.advance(hours=6)
    world.submit(category_code="safety")
    clock.advance(hours=4)  # first: 10/12 used → yellow; second: 4/12 → green
    base = f"/api/v1/public/communities/{world.community.id}/sunlight"
    lights = {}
    for light in ("green", "yellow", "red"):
        items = world.client.get(f"{base}?light={light}").get_json()["data"]["requests"]["items"]
        lights[light] = [r["light"] for r in items]
    assert lights == {"green": ["green"], "yellow": ["yellow"], "red": []}
    clock.advance(hours=3)
    items = world.client.get(f"{base}?light=red").get_json()["data"]["requests"]["items"]
    assert [r["light"] for r in items] == ["red"]


@pytest.mark.parametrize("path", [
    "/sunlight/", "/sunlight/communities/{cid}", "/api/v1/public/communities",
    "/api/v1/public/communities/{cid}/sunlight",
])
def test_etag_and_304(world, path):
    world.submit()
    url = path.format(cid=world.community.id)
    first = world.client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = world.client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    world.submit()  # the data changed: a new body, a new ETag
    changed = world.client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_queries_per_page_do_not_grow_with_page_size(world, clock, count_queries):
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    resident = world.as_("demo-resident")
    for i in range(12):
        rid = world.submit(public=True)["id"]
        (member if i % 2 else world.as_("demo-member-a2")).post(f"/api/v1/requests/{rid}/accept")
        if i % 3 == 0:
            handler = member if i % 2 else world.as_("demo-member-a2")
            handler.post(f"/api/v1/requests/{rid}/resolve", {"note": "好了"})
            committee.post(f"/api/v1/requests/{rid}/approve")
            resident.post(f"/api/v1/requests/{rid}/rate",
                          {"resolved": True, "satisfaction": "satisfied"})
    counts, cid = {}, world.community.id
    for path in ("/sunlight/communities/{cid}?limit={n}",
                 "/api/v1/public/communities/{cid}/sunlight?limit={n}"):
        for n in (1, 12):
            db.session.expunge_all()  # as cold as a fresh request in production
            count_queries.count = 0
            response = world.client.get(path.format(cid=cid, n=n))
            assert response.status_code == 200
            counts[(path, n)] = count_queries.count
    for path in {p for p, _ in counts}:
        assert counts[(path, 1)] == counts[(path, 12)], counts
        assert counts[(path, 12)] <= 12, counts


def test_request_page_shows_the_timeline(world, clock):
    created = world.submit(public=True)
    world.as_("demo-member-a").post(f"/api/v1/requests/{created['id']}/accept")
    data = world.client.get(f"/api/v1/public/requests/{created['no']}").get_json()["data"]
    assert [s["action"] for s in data["timeline"]] == ["submit", "accept"]
    assert data["timeline"][1]["by"] == "王*" and data["team"] == "第一网格暖心服务团"
    assert data["community"]["name"] == "庆生社区" and data["light"] == "green"


@pytest.mark.parametrize(("path", "status"), [
    ("/sunlight/requests/NOPE-1", 404),
    ("/sunlight/requests/" + "X" * 40, 404),
    ("/sunlight/communities/999999", 404),
    ("/sunlight/communities/99999999999", 404),
    ("/sunlight/communities/{cid}?light=purple", 422),
    ("/sunlight/communities/{cid}?cursor=%%%", 422),
    ("/sunlight/communities/{cid}?grid_id=abc", 422),
    ("/sunlight/communities/{cid}?limit=1000", 422),
    ("/api/v1/public/requests/NOPE-1", 404),
    ("/api/v1/public/communities/999999/sunlight", 404),
    ("/api/v1/public/communities/{cid}/sunlight?status=nope", 422),
    # WeChat adds its own parameters to shared links: they are ignored, not refused.
    ("/sunlight/communities/{cid}?from=groupmessage&isappinstalled=0", 200),
    ("/api/v1/public/communities/{cid}/sunlight?from=groupmessage", 200),
])
def test_bad_input_is_a_clear_error_never_a_500(world, path, status):
    response = world.client.get(path.format(cid=world.community.id))
    assert response.status_code == status
    if status == 200:
        return
    if path.startswith("/sunlight/"):
        assert "text/html" in response.content_type and "晒单" in response.get_data(as_text=True)
    else:
        assert response.get_json()["code"] != 0


def test_pictures_are_inline_svg_without_scripts(world):
    world.submit()  # three pictures: the section map, daily counts, weekly rates
    text = world.client.get(f"/sunlight/communities/{world.community.id}").get_data(as_text=True)
    assert text.count("<svg") == 3 and "<script" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "<rect" in text and "响应率" in text
