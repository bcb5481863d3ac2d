"""Use cases of place: locating a point, resolving a submitted point to a section."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from server.errors import Code, Invalid
from server.place import cells, geometry, index
from server.place.coords import CoordSystem, to_wgs84
from server.place.index import Entry


@dataclass(frozen=True)
class Point:
    """A point as the client sent it and in WGS-84."""

    lat: float
    lng: float
    coord_system: CoordSystem
    sent_lat: float
    sent_lng: float

    @classmethod
    def of(cls, lat: float, lng: float, coord_system: str = CoordSystem.WGS84) -> Point:
        system = CoordSystem(coord_system)
        w_lat, w_lng = to_wgs84(lat, lng, system)
        return cls(w_lat, w_lng, system, lat, lng)

    def columns(self) -> dict:
        """The columns of a request that hold this point."""
        return {"lat": self.lat, "lng": self.lng, "coord_system": self.coord_system.value,
                "sent_lat": self.sent_lat, "sent_lng": self.sent_lng,
                "cell": cells.cell_of(self.lat, self.lng)}


def locate(point: Point) -> Entry:
    """The section holding the point; outside every section a 422 naming the nearest."""
    sections = index.get()
    found = sections.locate(point.lat, point.lng)
    if found is not None:
        return found
    nearest = sections.nearest(point.lat, point.lng)
    if nearest is None:
        raise Invalid("尚未导入片区边界，无法按位置确定片区", code=Code.OUTSIDE_SECTIONS,
                      errors={"point": ["no section boundaries are known"]})
    entry, metres = nearest
    raise Invalid(
        f"该位置不在任何片区内，最近的是{entry.community_name}{entry.grid_name}{entry.section_name}"
        f"（约{round(metres)}米）", code=Code.OUTSIDE_SECTIONS,
        errors={"point": ["outside every section"],
                "nearest": {"section": {"id": entry.section_id, "name": entry.section_name},
                            "grid": {"id": entry.grid_id, "name": entry.grid_name},
                            "community": {"id": entry.community_id, "name": entry.community_name},
                            "distance_m": round(metres)}})


def mismatch_m(section_id: int, point: Point) -> int | None:
    """Metres between the point and the named section when it lies farther outside than
    ``PLACE_MISMATCH_M``; None when it lies inside, near, or the section has no boundary."""
    shape = index.get().shape_of(section_id)
    if shape is None:
        return None
    metres = geometry.distance_to_m(shape, point.lat, point.lng)
    return round(metres) if metres > current_app.config["PLACE_MISMATCH_M"] else None


@dataclass(frozen=True)
class Placed:
    """Where a new request goes: its section and the columns that hold its point."""

    section_id: int
    columns: dict


def resolve(*, section_id: int | None, lat: float | None, lng: float | None,
            coord_system: str = CoordSystem.WGS84) -> Placed:
    """The section of a submission: the one named, else the one holding the point (422 when
    the point lies outside every section). With both, a point far outside the named section
    is kept with its distance (``place_mismatch_m``) for the committee to check."""
    if lat is None or lng is None:
        if section_id is None:
            raise Invalid("请选择片区或提供位置", errors={"section_id": ["give section_id, or lat and lng"]})
        return Placed(section_id, {})
    point = Point.of(lat, lng, coord_system)
    columns = point.columns()
    if section_id is None:
        return Placed(locate(point).section_id, columns)
    columns["place_mismatch_m"] = mismatch_m(section_id, point)
    return Placed(section_id, columns)
