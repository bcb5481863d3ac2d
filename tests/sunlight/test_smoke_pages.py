"""The public pages render for the demo community, with and without data."""

from __future__ import annotations


def test_pages_render(world, clock):
    rid = world.submit(public=True)["id"]
    member = world.as_("demo-member-a")
    member.post(f"/api/v1/requests/{rid}/accept")
    client = world.client
    index = client.get("/sunlight/")
    assert index.status_code == 200 and "庆生社区" in index.get_data(as_text=True)
    page = client.get(f"/sunlight/communities/{world.community.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "<svg" in text and "服务队排行" in text
    no = world.as_("demo-resident").get(f"/api/v1/requests/{rid}").data["no"]
    detail = client.get(f"/sunlight/requests/{no}")
    assert detail.status_code == 200 and "接单" in detail.get_data(as_text=True)
