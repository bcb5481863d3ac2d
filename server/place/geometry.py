"""Shapes of places: parsing GeoJSON, KML and zipped Shapefiles, measuring in metres, storing portably.

Boundaries are stored as GeoJSON text in WGS-84 (longitude first, as GeoJSON has it) with a
bounding box beside them, so that SQLite and PostgreSQL share one code path and no spatial
extension is needed; shapely does the geometry in process.
"""

from __future__ import annotations

import io
import json
import math
import struct
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np
import shapely
from defusedxml import ElementTree
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from server.place.coords import EARTH_RADIUS_M, CoordSystem, to_wgs84

PRECISION = 7  # decimal places kept: about 1 cm


@dataclass
class RawFeature:
    """One feature of a boundary file before validation."""

    number: int  # 1-based position in the file
    label: str
    properties: dict
    geometry: dict | None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)


class FileError(ValueError):
    """The file as a whole cannot be read."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def parse(data: bytes, filename: str) -> list[RawFeature]:
    name = filename.lower()
    if name.endswith(".kml"):
        return parse_kml(data)
    if name.endswith((".geojson", ".json")):
        return parse_geojson(data)
    if name.endswith(".zip"):
        return parse_shapefile_zip(data)
    raise FileError("仅支持 GeoJSON (.geojson/.json)、KML (.kml) 或压缩的 Shapefile (.zip) 文件",
                    "only GeoJSON (.geojson, .json), KML (.kml) or a zipped Shapefile (.zip) "
                    "are supported")


def _label(properties: dict) -> str:
    return str(properties.get("name") or properties.get("section") or properties.get("片区") or "")


def parse_geojson(data: bytes) -> list[RawFeature]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileError("文件不是有效的 JSON", f"not valid JSON: {exc}") from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
    elif isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    else:
        raise FileError("GeoJSON 须为 FeatureCollection 或 Feature",
                        "GeoJSON must be a FeatureCollection or a Feature")
    if not isinstance(features, list):
        raise FileError("features 须为数组", "features must be an array")
    found = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            feature = {}
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else None
        found.append(RawFeature(number, _label(properties), properties, geometry))
    return found


MAX_SHAPEFILE_BYTES = 64 * 1024 * 1024  # unpacked: a county's sections take a few megabytes


def parse_shapefile_zip(data: bytes) -> list[RawFeature]:
    """A zipped Shapefile (what ArcGIS, QGIS and most Chinese GIS tools export): one ``.shp``
    with its ``.shx`` and ``.dbf``; the attributes' encoding from ``.cpg`` (else UTF-8, then
    GBK, as Chinese tools write); geographic coordinates only (a ``.prj`` naming a projected
    system is refused: project to longitude/latitude first)."""
    import shapefile  # pyshp

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir()
                   and not i.filename.startswith("__MACOSX/")]
    except zipfile.BadZipFile:
        raise FileError("文件不是有效的 ZIP 压缩包", "not a valid zip archive") from None
    if sum(i.file_size for i in members) > MAX_SHAPEFILE_BYTES:
        raise FileError("压缩包解压后过大", "the archive unpacks to more than 64 MB")
    by_suffix: dict[str, list[zipfile.ZipInfo]] = {}
    for info in members:
        by_suffix.setdefault(info.filename.rsplit(".", 1)[-1].lower(), []).append(info)
    shps = by_suffix.get("shp", [])
    if len(shps) != 1:
        raise FileError("压缩包内须有且仅有一个 .shp 文件",
                        f"the archive must hold exactly one .shp file (found {len(shps)})")
    stem = shps[0].filename[:-4].lower()

    def part(suffix: str, required: bool = True) -> bytes | None:
        info = next((i for i in by_suffix.get(suffix, []) if i.filename[:-4].lower() == stem), None)
        if info is None:
            if required:
                raise FileError(f"缺少与 .shp 同名的 .{suffix} 文件",
                                f"the .{suffix} file beside the .shp is missing")
            return None
        return archive.read(info)

    shp, shx, dbf = part("shp"), part("shx"), part("dbf")
    prj = (part("prj", required=False) or b"").decode("latin-1").upper()
    if prj.startswith("PROJCS") or "PROJCRS" in prj:
        raise FileError("Shapefile 为投影坐标，请导出为经纬度坐标（WGS-84、GCJ-02 或 BD-09）",
                        "the Shapefile is in projected coordinates: export it in longitude/latitude")
    declared = (part("cpg", required=False) or b"").decode("latin-1").strip()
    encodings = [declared] if declared else ["utf-8", "gbk"]
    for encoding in encodings:
        try:
            with warnings.catch_warnings():  # text decoded only with its padding: wrong encoding
                warnings.simplefilter("error", shapefile.PossibleDataLoss)
                reader = shapefile.Reader(shp=io.BytesIO(shp), shx=io.BytesIO(shx),
                                          dbf=io.BytesIO(dbf), encoding=encoding)
                records = list(reader.iterShapeRecords())
            break
        except (UnicodeDecodeError, shapefile.PossibleDataLoss):
            continue
        except shapefile.dbfFileException as exc:
            if "Could not decode" in str(exc):
                continue
            raise FileError("Shapefile 无法读取", f"the Shapefile cannot be read: {exc}") from None
        except LookupError:
            raise FileError(f".cpg 声明的编码 {declared} 无法识别",
                            f"unknown encoding {declared!r} in the .cpg file") from None
        except (shapefile.ShapefileException, ValueError, struct.error) as exc:
            raise FileError("Shapefile 无法读取", f"the Shapefile cannot be read: {exc}") from None
    else:
        raise FileError("属性表的编码无法识别（请附 .cpg 文件）",
                        "the attribute table's encoding is unknown (add a .cpg file)")
    found = []
    for number, item in enumerate(records, start=1):
        properties = {k: v for k, v in item.record.as_dict().items() if v not in (None, "")}
        shaped = item.shape.shapeType != shapefile.NULL
        geometry = item.shape.__geo_interface__ if shaped else None
        found.append(RawFeature(number, _label(properties), properties, geometry))
    return found


_KML = "{http://www.opengis.net/kml/2.2}"


def _strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_ring(element) -> list[list[float]]:
    text = "".join(element.itertext()).split()
    ring = []
    for token in text:
        parts = token.split(",")
        ring.append([float(parts[0]), float(parts[1])])
    return ring


def parse_kml(data: bytes) -> list[RawFeature]:
    """Placemarks with a Polygon or a MultiGeometry of Polygons; fields from ExtendedData
    (``Data``/``SimpleData``), the name from ``<name>``."""
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises several kinds; all mean "unreadable"
        raise FileError("文件不是有效的 KML", f"not valid KML: {exc}") from None
    found = []
    number = 0
    for placemark in root.iter():
        if _strip_ns(placemark.tag) != "Placemark":
            continue
        number += 1
        properties: dict = {}
        polygons: list = []
        problems: list[tuple[str, str]] = []
        for element in placemark.iter():
            tag = _strip_ns(element.tag)
            if tag == "name" and "name" not in properties:
                properties["name"] = (element.text or "").strip()
            elif tag == "Data":
                value = next((c.text for c in element if _strip_ns(c.tag) == "value"), None)
                properties[element.get("name", "")] = (value or "").strip()
            elif tag == "SimpleData":
                properties[element.get("name", "")] = (element.text or "").strip()
            elif tag == "Polygon":
                rings = []
                for boundary in element:
                    kind = _strip_ns(boundary.tag)
                    if kind in ("outerBoundaryIs", "innerBoundaryIs"):
                        for ring in boundary.iter():
                            if _strip_ns(ring.tag) == "coordinates":
                                try:
                                    coordinates = _kml_ring(ring)
                                except (ValueError, IndexError):
                                    problems.append(("坐标格式错误", "malformed coordinates"))
                                    coordinates = []
                                if kind == "outerBoundaryIs":
                                    rings.insert(0, coordinates)
                                else:
                                    rings.append(coordinates)
                polygons.append(rings)
        if len(polygons) == 1:
            geometry = {"type": "Polygon", "coordinates": polygons[0]}
        elif polygons:
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
        else:
            geometry = None
        found.append(RawFeature(number, properties.get("name", ""), properties, geometry, problems))
    return found


def _rings(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def build(geometry: dict | None, system: str) -> tuple[Polygon | MultiPolygon | None,
                                                       list[tuple[str, str]]]:
    """A valid WGS-84 (multi)polygon from a GeoJSON geometry in ``system``, or the problems."""
    if geometry is None:
        return None, [("缺少几何图形", "no geometry")]
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None, [(f"几何类型须为面（Polygon/MultiPolygon），而不是 {geometry.get('type')}",
                       f"geometry must be a Polygon or MultiPolygon, not {geometry.get('type')}")]
    try:
        rings = _rings(geometry)
        for ring in rings:
            for position in ring:
                if len(position) < 2 or not all(isinstance(v, int | float) for v in position[:2]):
                    raise TypeError
    except (TypeError, KeyError, AttributeError):
        return None, [("坐标格式错误", "malformed coordinates")]
    problems = []
    for ring in rings:
        if len(ring) < 4:
            problems.append(("多边形的环至少需要4个点（首尾相同）",
                             "a ring needs at least 4 positions (first equals last)"))
        elif list(ring[0][:2]) != list(ring[-1][:2]):
            problems.append(("多边形的环未闭合（首尾坐标不同）", "ring is not closed (first ≠ last position)"))
        for lng, lat, *_ in ring:
            if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                problems.append((f"坐标超出范围：{lng},{lat}", f"coordinate out of range: {lng},{lat}"))
                break
    if problems:
        return None, problems
    try:
        converted = _convert(shape(geometry), system)
    except (ValueError, TypeError, shapely.errors.GEOSException):
        return None, [("几何图形无法解析", "geometry cannot be built")]
    if not converted.is_valid:
        reason = shapely.is_valid_reason(converted)
        zh = "多边形自相交" if "Self-intersection" in reason else "多边形无效"
        return None, [(f"{zh}（{reason}）", f"invalid polygon: {reason}")]
    if converted.is_empty or area_m2(converted) <= 0:
        return None, [("多边形面积为零", "polygon has no area")]
    return converted, []


def _convert(geom, system: str):
    """To WGS-84, rounded to ``PRECISION`` places."""
    if CoordSystem(system) == CoordSystem.WGS84:
        return shapely.transform(geom, lambda xy: np.round(xy, PRECISION))

    def move(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        for i, (lng, lat) in enumerate(xy):
            w_lat, w_lng = to_wgs84(lat, lng, system)
            out[i] = (round(w_lng, PRECISION), round(w_lat, PRECISION))
        return out

    return shapely.transform(geom, move)


def local_metres(geom, lat0: float | None = None, lng0: float | None = None):
    """``geom`` in metres on a plane tangent at its centre (equirectangular): areas and
    distances within a county are right to a fraction of a percent."""
    if lat0 is None:
        minx, miny, maxx, maxy = geom.bounds
        lat0, lng0 = (miny + maxy) / 2, (minx + maxx) / 2
    k_lat = math.radians(1) * EARTH_RADIUS_M
    k_lng = k_lat * math.cos(math.radians(lat0))
    return shapely.transform(geom, lambda xy: (xy - (lng0, lat0)) * (k_lng, k_lat))


def area_m2(geom) -> float:
    return local_metres(geom).area


def distance_to_m(geom, lat: float, lng: float) -> float:
    """Metres from a WGS-84 point to a shape (0 inside)."""
    point = shapely.Point(lng, lat)
    return local_metres(geom, lat, lng).distance(local_metres(point, lat, lng))


def dumps(geom) -> str:
    """The stored text: compact GeoJSON, so that the same shape always gives the same text."""
    return json.dumps(mapping(geom), separators=(",", ":"))


def loads(text: str):
    return shape(json.loads(text))
