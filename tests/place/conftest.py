"""Helpers of the place tests: the demo world has the boundaries of seed/boundaries/demo.geojson."""

from __future__ import annotations

import io
import json

# Inside the demo section 幸福小区片区 (QS, 第一网格) of seed/boundaries/demo.geojson, WGS-84.
DEMO_POINT = (45.8430, 123.1925)
# Inside 庆生家园片区, the other section of the demo grid.
SECOND_SECTION_POINT = (45.8470, 123.1925)


def square(lng: float, lat: float, size: float = 0.001) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size],
                                                [lng, lat + size], [lng, lat]]]}


def feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)},
                      ensure_ascii=False).encode()


def upload(api, data: bytes, filename: str = "b.geojson", query: str = ""):
    return api.call("POST", f"/api/v1/admin/imports/boundaries{query}",
                    data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
