"""Discovery, services and service definitions, in both formats, and jurisdictions."""

from __future__ import annotations

import pytest

from tests.open311.conftest import BASE


def test_discovery_names_this_endpoint_and_both_formats(o311):
    status, body = o311.both("discovery")
    assert status == 200
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["url"] == f"http://localhost{BASE}"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "test"
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_discovery_xml_uses_the_spec_element_names(o311):
    _status, (root, body), raw = o311.get("discovery", "xml")
    assert root == "discovery"
    assert b"<endpoints><endpoint>" in raw and b"<formats><format>text/xml</format>" in raw


def test_services_are_the_active_categories(o311):
    status, body = o311.both("services")
    assert status == 200
    assert [s["service_code"] for s in body][:3] == ["sanitation", "facilities", "property"]
    sanitation = body[0]
    assert sanitation == {
        "service_code": "sanitation", "service_name": "环境卫生",
        "description": "垃圾清运、楼道堆物、卫生死角", "metadata": True, "type": "realtime",
        "keywords": "垃圾清运, 楼道堆物, 卫生死角", "group": "社区网格服务",
    }
    _status, (root, _xml), raw = o311.get("services", "xml")
    assert root == "services" and b"<metadata>true</metadata>" in raw


def test_service_definition_lists_the_sections_as_a_required_attribute(o311, world):
    status, body = o311.both("services/sanitation")
    assert status == 200
    assert body["service_code"] == "sanitation"
    section, public = body["attributes"]
    assert (section["code"], section["datatype"], section["required"], section["order"]) == (
        "section_id", "singlevaluelist", True, 1)
    assert section["variable"] is True
    demo = {"key": str(world.section.id), "name": "庆生社区 第一网格 幸福小区片区"}
    assert demo in section["values"]
    assert len(section["values"]) == 8  # every active section of both demo communities
    assert (public["code"], public["required"]) == ("public", False)
    assert [v["key"] for v in public["values"]] == ["true", "false"]
    _status, (root, _xml), _raw = o311.get("services/sanitation", "xml")
    assert root == "service_definition"


def test_a_community_code_is_a_jurisdiction_that_scopes_the_sections(o311, world):
    _status, body = o311.both("services/sanitation", jurisdiction_id=world.other_community.code)
    names = [v["name"] for v in body["attributes"][0]["values"]]
    assert names and all(n.startswith(world.other_community.name) for n in names)


@pytest.mark.parametrize("jurisdiction", ["", "huying"])
def test_an_empty_or_the_platform_jurisdiction_is_the_whole_platform(o311, jurisdiction):
    status, body = o311.both("services/sanitation", jurisdiction_id=jurisdiction)
    assert status == 200 and len(body["attributes"][0]["values"]) == 8


@pytest.mark.parametrize("path", ["services", "services/sanitation", "requests",
                                  "servicerequestupdates", "requests/QS-20261123-0001"])
def test_an_unknown_jurisdiction_is_404_in_the_spec_format(o311, path):
    status, body = o311.both(path, jurisdiction_id="nowhere")
    assert status == 404
    assert body == [{"code": 404, "description": "jurisdiction_id 不存在"}]


def test_an_unknown_service_is_404(o311):
    status, body = o311.both("services/no_such_thing")
    assert status == 404 and body[0]["code"] == 404


@pytest.mark.parametrize("path,fmt_status", [
    ("/open311/v2/nothing.json", ("json", 404)),
    ("/open311/v2/services.csv", ("xml", 404)),
    ("/open311/v2/", ("xml", 404)),
])
def test_unknown_paths_answer_in_the_spec_format(world, path, fmt_status):
    response = world.client.get(path)
    fmt, status = fmt_status
    assert response.status_code == status
    if fmt == "json":
        (error,) = response.get_json()
        assert error["code"] == 404 and error["description"]
    else:
        assert response.get_data().startswith(
            b'<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>404</code>')


def test_a_method_the_resource_does_not_take_is_400(world):
    response = world.client.delete("/open311/v2/services.json")
    assert response.status_code == 400
    assert response.get_json()[0]["code"] == 400
