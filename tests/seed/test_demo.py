"""The demo data: reference categories, the demo community, the accounts of docs/contract.md."""

from __future__ import annotations

from sqlalchemy import func, select

from seed.loader import load_demo
from server.catalogue.models import Category
from server.extensions import db
from server.models import import_all


def _counts() -> dict:
    import_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_loading_twice_changes_nothing(ctx, clock):
    first = load_demo(clock.now())
    assert first["categories"] >= 10 and first["accounts"] == 10
    before = _counts()
    clock.advance(days=1)
    second = load_demo(clock.now())
    assert set(second.values()) == {0}
    assert _counts() == before


def test_categories_have_sensible_deadlines(ctx, clock):
    load_demo(clock.now())
    categories = db.session.scalars(select(Category)).all()
    names = {c.name for c in categories}
    assert {"环境卫生", "市政设施", "物业服务", "邻里纠纷", "治安隐患", "养老助残", "政策咨询", "文明劝导",
            "占道经营", "其他"} <= names
    for category in categories:
        assert 0 < category.accept_minutes <= 24 * 60
        assert category.accept_minutes < category.resolve_hours * 60
        assert set(category.dispatch_order.split(",")) <= {"A", "B", "committee"}


def test_demo_accounts_hold_the_roles_of_the_contract(world):
    roles = {openid: set(world.user(openid).roles) for openid in world.users}
    assert roles["demo-resident"] == {"resident"}
    assert "member" in roles["demo-member-a"] and "member" in roles["demo-member-b"]
    assert "committee" in roles["demo-committee"] and "admin" in roles["demo-admin"]
    communities = world.as_(None).get("/api/v1/communities").data
    assert communities[0]["name"] == "庆生社区"
