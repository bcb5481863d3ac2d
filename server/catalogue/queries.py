from __future__ import annotations

from sqlalchemy import select

from server.catalogue.models import Category
from server.extensions import db


def active_categories() -> list[Category]:
    return list(
        db.session.scalars(
            select(Category).where(Category.is_active.is_(True)).order_by(Category.sort, Category.id)
        )
    )
