"""GET requests, GET requests/{id} and servicerequestupdates, following a request to closed."""

from __future__ import annotations

import pytest

from tests.open311.conftest import form


def _post(o311, world, api_key, **overrides) -> str:
    status, answer, _ = o311.post("requests", "json", form(api_key, world, **overrides))
    assert status == 201, answer
    return answer[0]["service_request_id"]


def _rid(world, no: str) -> int:
    from sqlalchemy import select

    from server.extensions import db
    from server.requests.models import Request

    return db.session.scalar(select(Request.id).where(Request.no == no))


def test_an_open311_client_follows_its_request_to_closed(o311, world, api_key, clock):
    no = _post(o311, world, api_key)
    status, (item,) = o311.both(f"requests/{no}")
    assert status == 200
    assert item["status"] == "open" and item["status_notes"] == "待接单；已受理，已派单"
    assert item["agency_responsible"] == "第一网格暖心服务团"
    assert item["requested_datetime"] == "2026-11-23T09:00:00+08:00"
    assert item["expected_datetime"] == "2026-11-24T09:00:00+08:00"
    assert item["address"] == "庆生社区 第一网格 幸福小区片区"
    assert item["address_id"] == str(world.section.id)
    assert (item["lat"], item["long"]) == (45.85, 123.2)
    assert item["description"] is None and item["media_url"] is None  # not public

    rid = _rid(world, no)
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    clock.advance(minutes=10)
    assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
    member.post(f"/api/v1/requests/{rid}/progress", {"note": "已联系环卫"})
    member.post(f"/api/v1/requests/{rid}/resolve", {"note": "垃圾已清运"})
    clock.advance(hours=1)
    assert committee.post(f"/api/v1/requests/{rid}/approve").status == 200

    _status, (item,) = o311.both(f"requests/{no}")
    assert item["status"] == "closed" and item["status_notes"] == "已办结；审核通过，已办结"
    assert item["updated_datetime"] == "2026-11-23T10:10:00+08:00"

    _status, updates = o311.both("servicerequestupdates")
    assert [(u["service_request_id"], u["status"]) for u in updates] == [
        (no, "OPEN"), (no, "ACTION_SCHEDULED"), (no, "IN_PROGRESS"), (no, "IN_PROGRESS"),
        (no, "FIXED")]
    assert updates[0]["updated_datetime"] == "2026-11-23T09:00:00+08:00"
    assert updates[2]["description"] == "办理进展"  # the label, never the note
    assert all(set(u) == {"update_id", "service_request_id", "status", "updated_datetime",
                          "description", "media_url"} for u in updates)


def test_a_public_request_shows_its_description_notes_and_first_photo(o311, world, clock,
                                                                      fake_wechat):
    from tests.factories import pass_content_checks
    from tests.requests.test_lifecycle import _upload

    resident = world.as_("demo-resident")
    photo = _upload(resident)
    created = world.submit(photo_ids=[photo], public=True,
                           description="楼道堆满纸箱，联系电话13900001111")
    member = world.as_("demo-member-a")
    member.post(f"/api/v1/requests/{created['id']}/accept")
    member.post(f"/api/v1/requests/{created['id']}/progress", {"note": "已通知物业 0436-1234567"})
    _status, (unchecked,) = o311.both(f"requests/{created['no']}")
    assert unchecked["media_url"] is None  # a photo is public only once content security passed it
    pass_content_checks(world, fake_wechat.state)
    _status, (item,) = o311.both(f"requests/{created['no']}")
    assert item["description"] == "楼道堆满纸箱，联系电话***"
    filename = created["photos"][0]["url"].rsplit("/", 1)[1]
    assert item["media_url"] == f"http://localhost/media/{filename}"
    assert item["status_notes"] == "办理中；办理进展"  # staff notes are never published
    with world.client.get(item["media_url"].removeprefix("http://localhost")) as media:
        assert media.status_code == 200 and media.content_type == "image/jpeg"
    _status, updates = o311.both("servicerequestupdates")
    assert updates[0]["media_url"] == item["media_url"]  # the photo came with the submission


def test_list_filters_by_service_status_and_ids(o311, world, api_key, clock):
    first = _post(o311, world, api_key)
    clock.advance(minutes=1)
    second = _post(o311, world, api_key, service_code="safety")
    clock.advance(minutes=1)
    third = _post(o311, world, api_key, service_code="facilities")
    world.as_("demo-resident")  # a resident logging in changes nothing here
    committee = world.as_("demo-committee")
    committee.post(f"/api/v1/requests/{_rid(world, third)}/reject", {"reason": "重复诉求"})

    def ids(**params):
        status, body = o311.both("requests", **params)
        assert status == 200
        return [r["service_request_id"] for r in body]

    assert ids() == [third, second, first]  # newest first
    assert ids(service_code="safety,sanitation") == [second, first]
    assert ids(status="closed") == [third]
    assert ids(status="open") == [second, first]
    assert ids(status="open,closed") == [third, second, first]
    # the id list overrides the other filters
    assert ids(service_request_id=f"{first},{third},nope", status="open") == [third, first]
    assert ids(page_size="2") == [third, second]
    assert ids(page_size="2", page="2") == [first]
    assert ids(jurisdiction_id=world.other_community.code) == []
    assert ids(jurisdiction_id=world.community.code) == [third, second, first]


def test_the_window_defaults_to_the_last_90_days(o311, world, api_key, clock):
    old = _post(o311, world, api_key)
    clock.advance(days=91)
    new = _post(o311, world, api_key)

    def ids(**params):
        return [r["service_request_id"] for r in o311.both("requests", **params)[1]]

    assert ids() == [new]
    assert ids(start_date="2026-11-22T00:00:00Z", end_date="2026-11-24T00:00:00+08:00") == [old]
    assert ids(start_date="2026-11-22") == [old]  # to start + 90 days
    assert ids(end_date="2027-02-22T09:00:00+08:00") == [new]  # from end - 90 days
    assert ids(service_request_id=old) == [old]  # ids are not windowed


BAD_WINDOWS = [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"page": "0"}, "page"),
    ({"page_size": "1001"}, "page_size"),
    ({"page_size": "²"}, "page_size"),
    ({"page": "9" * 5000}, "page"),
]


@pytest.mark.parametrize("path,params,field", [
    *[("requests", p, f) for p, f in [*BAD_WINDOWS, ({"status": "pending"}, "status")]],
    *[("servicerequestupdates", p, f) for p, f in BAD_WINDOWS],
])
def test_bad_query_parameters_are_400(o311, world, path, params, field):
    status, body = o311.both(path, **params)
    assert status == 400
    assert f"（{field}:" in body[0]["description"] and body[0]["code"] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_single_request_is_a_one_element_list_and_unknown_is_404(o311, world, api_key, fmt):
    no = _post(o311, world, api_key)
    status, body, _ = o311.get(f"requests/{no}", fmt)
    items = body if fmt == "json" else body[1]
    assert status == 200 and isinstance(items, list) and len(items) == 1
    if fmt == "xml":
        assert body[0] == "service_requests"
    status, body, _ = o311.get("requests/QS-19990101-0001", fmt)
    assert status == 404


def test_a_request_elsewhere_is_404_in_a_jurisdiction(o311, world, api_key):
    no = _post(o311, world, api_key)
    status, _body = o311.both(f"requests/{no}", jurisdiction_id=world.other_community.code)
    assert status == 404


def test_xml_has_every_spec_element_in_order(o311, world, api_key):
    no = _post(o311, world, api_key)
    _status, (_root, _items), raw = o311.get(f"requests/{no}", "xml")
    import xml.etree.ElementTree as ET

    (request,) = ET.fromstring(raw)
    assert [child.tag for child in request] == [
        "service_request_id", "status", "status_notes", "service_name", "service_code",
        "description", "agency_responsible", "service_notice", "requested_datetime",
        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
        "long", "media_url"]


def test_updates_are_windowed_and_paged(o311, world, api_key, clock):
    first = _post(o311, world, api_key)
    clock.advance(days=2)
    second = _post(o311, world, api_key)
    _s, updates = o311.both("servicerequestupdates", start_date="2026-11-24T00:00:00+08:00")
    assert [u["service_request_id"] for u in updates] == [second]
    _s, updates = o311.both("servicerequestupdates", page_size="1", page="1")
    assert [u["service_request_id"] for u in updates] == [first]
