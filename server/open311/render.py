"""The spec's two formats. One tree of dicts and lists becomes either JSON or XML.

XML: a declaration, UTF-8, elements named as in the spec, lists wrapped in their plural
element (``attributes › attribute``), booleans ``true``/``false``, absent values as empty
elements. JSON mirrors it. Characters XML 1.0 cannot carry are dropped from text.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element name of one item of each list element.
ITEM = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> str:
    element = ET.Element(root)
    _fill(element, value)
    return DECLARATION + ET.tostring(element, encoding="unicode")


def respond(fmt: str, root: str, value, status: int = 200) -> Response:
    """``value`` is the content of ``root``: a list for the list roots, else a dict."""
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False)
        return Response(body, status=status, content_type=JSON_TYPE)
    return Response(to_xml(root, value), status=status, content_type=XML_TYPE)


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """The spec's error body: ``errors › error: code, description``; code is the HTTP status."""
    items = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", items, status)
