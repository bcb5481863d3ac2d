from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.types import UTCDateTime


class Street(db.Model):
    """A street or township (街道/乡镇): the level between the county and its communities.

    A deployment serves one county (``COUNTY_NAME``); its streets are rows, created, edited and
    retired by the admin. Retiring keeps the street's communities and their history.
    """

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # The street it belongs to; None only for a community the admin has not placed yet.
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    street: Mapped[Street | None] = relationship(lazy="joined")
    grids: Mapped[list[Grid]] = relationship(
        back_populates="community", order_by="Grid.id", lazy="selectin"
    )

    @property
    def district(self) -> str | None:
        """The street's name, where the first milestone kept a free-text ``district``."""
        return self.street.name if self.street is not None else None


class Grid(db.Model):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)

    # Its own shape (GeoJSON, WGS-84) only when it has no sections; else the union of theirs.
    boundary: Mapped[str | None] = mapped_column(Text, deferred=True)

    community: Mapped[Community] = relationship(back_populates="grids")
    sections: Mapped[list[Section]] = relationship(
        back_populates="grid", order_by="Section.id", lazy="selectin"
    )


class Section(db.Model):
    """A closed section (封闭片区) of a grid."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Its shape as GeoJSON in WGS-84 (server.place.geometry) and its bounding box, so that
    # both databases store it alike; server.place.index locates points in process.
    boundary: Mapped[str | None] = mapped_column(Text, deferred=True)
    min_lng: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lng: Mapped[float | None]
    max_lat: Mapped[float | None]

    grid: Mapped[Grid] = relationship(back_populates="sections")


class Team(db.Model):
    """A duty team: post A belongs to a grid, post B to a section."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    post: Mapped[str] = mapped_column(String(1))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), unique=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)


class TeamMember(db.Model):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())

    team: Mapped[Team] = relationship()
