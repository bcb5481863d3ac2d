"""Fixtures and helpers of the Open311 tests: a partner's key and a client reading both formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from server.open311 import keys
from server.open311.render import ITEM

BASE = "/open311/v2"
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def from_xml(element: ET.Element):
    """An element as the JSON value it mirrors, with every leaf as text ('' when empty)."""
    if element.tag in ITEM:
        assert all(child.tag == ITEM[element.tag] for child in element), element.tag
        return [from_xml(child) for child in element]
    if len(element):
        return {child.tag: from_xml(child) for child in element}
    return element.text or ""


def as_text(value):
    """A JSON value with every leaf as the text XML would carry."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Open311:
    """Calls ``/open311/v2`` like a partner's client and parses either format."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, fmt: str, **kwargs):
        response = self.client.open(f"{BASE}/{path}.{fmt}", method=method, **kwargs)
        raw = response.get_data()
        if fmt == "json":
            assert response.content_type == "application/json; charset=utf-8"
            return response.status_code, json.loads(raw), raw
        assert response.content_type == "text/xml; charset=utf-8"
        assert raw.startswith(DECLARATION), raw[:60]
        root = ET.fromstring(raw)
        return response.status_code, (root.tag, from_xml(root)), raw

    def get(self, path, fmt="json", **params):
        return self.call("GET", path, fmt, query_string=params)

    def post(self, path, fmt="json", data=None, **params):
        return self.call("POST", path, fmt, data=data, query_string=params)

    def both(self, path, **params):
        """GET in both formats; asserts that the XML mirrors the JSON; returns status, JSON."""
        status, body, _ = self.get(path, "json", **params)
        xml_status, (_root, xml_body), _ = self.get(path, "xml", **params)
        assert xml_status == status
        assert xml_body == as_text(body)
        return status, body


@pytest.fixture
def o311(world):
    return Open311(world.client)


@pytest.fixture
def api_key(world, clock):
    _, key = keys.create(name="hotline12345", now=clock.now())
    return key


@pytest.fixture
def token_key(world, clock):
    _, key = keys.create(name="civicapp", now=clock.now(), returns_tokens=True)
    return key


def form(api_key: str, world, **overrides) -> dict:
    """A valid POST body for the demo section."""
    return {"api_key": api_key, "service_code": "sanitation", "lat": "45.84712",
            "long": "123.20345", "attribute[section_id]": str(world.section.id),
            "description": "小区门口垃圾桶满了，已经两天没人清运", **overrides}
