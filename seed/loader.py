"""Load the categories and the demo community. Idempotent: natural keys are looked up first,
so running it twice changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from seed.duty import load_duty_demo
from seed.inservice import load_inservice_demo
from seed.place import load_boundaries
from server.accounts.models import RoleGrant, User
from server.catalogue.models import Category
from server.extensions import db
from server.grid.enums import Post
from server.grid.models import Community, Grid, Section, Street, Team, TeamMember

HERE = Path(__file__).parent


def _get_or_add(model, lookup: dict, **values):
    row = db.session.scalar(select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        db.session.flush()
        return row, True
    return row, False


def load_categories(now: datetime | None = None) -> int:
    created = 0
    for sort, item in enumerate(json.loads((HERE / "categories.json").read_text("utf-8"))):
        _, new = _get_or_add(Category, {"code": item["code"]}, sort=sort,
                             **{k: v for k, v in item.items() if k != "code"})
        created += new
    return created


def load_structure(data: dict, now: datetime) -> dict:
    """Communities, grids, sections and their A/B teams; returns lookups by natural key."""
    places: dict = {}
    for s in data.get("streets", []):
        places[("street", s["code"])], _ = _get_or_add(Street, {"code": s["code"]}, name=s["name"])
    for c in data["communities"]:
        street = places.get(("street", c.get("street")))
        community, _ = _get_or_add(Community, {"code": c["code"]}, name=c["name"],
                                   street_id=street.id if street else None)
        if community.street_id is None and street is not None:
            community.street_id = street.id  # placed by the migration of free-text districts
        places[c["code"]] = community
        for g in c["grids"]:
            grid, _ = _get_or_add(Grid, {"community_id": community.id, "name": g["name"]})
            places[(c["code"], g["name"])] = grid
            team_a, _ = _get_or_add(Team, {"grid_id": grid.id}, community_id=community.id,
                                    post=Post.A, name=f"{g['name']}暖心服务团")
            places[(c["code"], "A", g["name"])] = team_a
            for s in g["sections"]:
                section, _ = _get_or_add(Section, {"grid_id": grid.id, "name": s})
                places[(c["code"], g["name"], s)] = section
                team_b, _ = _get_or_add(Team, {"section_id": section.id}, community_id=community.id,
                                        post=Post.B, name=f"{s}先锋服务队")
                places[(c["code"], "B", g["name"], s)] = team_b
    return places


def load_accounts(accounts: list[dict], places: dict, now: datetime) -> int:
    created = 0
    for a in accounts:
        user, new = _get_or_add(User, {"openid": a["openid"]}, nickname=a.get("nickname"),
                                name=a.get("name"), created_at=now)
        created += new
        if "home" in a:
            code, grid_name, section_name = a["home"]
            user.home_community_id = places[code].id
            user.home_section_id = places[(code, grid_name, section_name)].id
        for role in a["roles"]:
            scopes = [{"community_id": None, "street_id": None}]
            if role == "committee":
                scopes = [{"community_id": places[code].id, "street_id": None}
                          for code in a.get("committee_of", [])]
            elif role == "street":
                scopes = [{"community_id": None, "street_id": places[("street", code)].id}
                          for code in a.get("street_of", [])]
            for scope in scopes:
                _get_or_add(RoleGrant, {"user_id": user.id, "role": role, **scope},
                            created_at=now)
        for key in a.get("teams", []):
            team = places[tuple(key)]
            _get_or_add(TeamMember, {"team_id": team.id, "user_id": user.id}, joined_at=now)
    return created


def load_demo(now: datetime) -> dict:
    """Everything ``make run`` needs; returns counts of rows created (all zero the second time)."""
    data = json.loads((HERE / "demo.json").read_text("utf-8"))
    categories = load_categories(now)
    before = db.session.scalar(select(db.func.count()).select_from(Community))
    places = load_structure(data, now)
    after = db.session.scalar(select(db.func.count()).select_from(Community))
    accounts = load_accounts(data["accounts"], places, now)
    duty = load_duty_demo(now, [places[c["code"]].id for c in data["communities"]])
    inservice = load_inservice_demo(now)
    db.session.commit()
    shaped = load_boundaries("demo", now)  # commits itself, like an operator's import
    return {"categories": categories, "communities": after - before, "accounts": accounts,
            "inservice": inservice, **duty, "boundaries": shaped}
