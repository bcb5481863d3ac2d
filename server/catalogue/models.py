from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class Category(db.Model):
    """A kind of request (环境卫生, 邻里纠纷, …) with its deadlines.

    ``dispatch_order`` lists the hops, comma-separated, e.g. ``A,B,committee``.
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(200))
    accept_minutes: Mapped[int]
    # Minutes the committee has to act (assign, whistle, reject) on work that reached its hop;
    # past them the work escalates to the street (督办). None: no deadline.
    committee_minutes: Mapped[int | None]
    resolve_hours: Mapped[int]
    dispatch_order: Mapped[str] = mapped_column(String(32), default="A,B,committee")
    sort: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
