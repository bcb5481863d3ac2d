"""Synthetic data at scale, for benchmarks: a county like Zhenlai, or a city.

Deterministic (one seed → the same rows), bulk-inserted (PostgreSQL ``COPY``; batched
``executemany`` on SQLite), with a progress bar. Requests are spread over two years before
``now`` in realistic statuses, with their timelines and ratings, so that every public page,
inbox and figure has real work to do.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from seed.loader import load_categories
from seed.place import random_point_in, voronoi_boundaries
from server.accounts.models import RoleGrant, User
from server.catalogue.models import Category
from server.extensions import db
from server.grid.models import Community, Grid, Section, Street, Team, TeamMember
from server.place.cells import cell_of
from server.requests.models import Event, EventNote, Rating, Request, RequestCounter


@dataclass(frozen=True)
class Scale:
    communities: int
    grids: int
    sections: int
    members: int  # A-post and B-post members together, about 3122 : 2009 as in Zhenlai
    residents: int
    requests: int
    days: int = 730
    streets: int = 2  # streets (街道/乡镇) the communities are spread over, round robin


SCALES = {
    "tiny": Scale(communities=2, grids=4, sections=6, members=40, residents=200, requests=600, days=90),
    "county": Scale(communities=12, grids=155, sections=189, members=5131, residents=30_000,
                    requests=100_000, streets=4),
    "city": Scale(communities=80, grids=1550, sections=1890, members=51_310, residents=300_000,
                  requests=1_000_000, streets=12),
}

PREFIX = "SYN"
BATCH = 5000


class AlreadyLoaded(RuntimeError):
    pass


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(table, rows: list[dict]) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = db.session.connection().connection.driver_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])
    else:
        db.session.execute(table.insert(), rows)


def _fix_sequences(models: Iterable) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        name = model.__table__.name
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"GREATEST((SELECT MAX(id) FROM {name}), 1))"
        ))


def generate(*, scale: Scale, now: datetime, seed: int = 20261123,
             progress: Callable[[int], None] | None = None, timezone: str = "Asia/Shanghai") -> dict:
    """Load the synthetic structure, people and requests; refuses to load twice."""
    if db.session.scalar(select(func.count()).select_from(Community).where(Community.code.like(f"{PREFIX}%"))):
        raise AlreadyLoaded("synthetic data is already loaded; use a fresh database")
    rng = random.Random(seed)
    load_categories(now)
    categories = list(db.session.scalars(select(Category).order_by(Category.id)))
    tz = ZoneInfo(timezone)

    # --- places and teams -----------------------------------------------------------------
    stid = _next_id(Street)
    streets = [{"id": stid + i, "code": f"{PREFIX}S{i:02d}", "name": f"合成街道{i + 1:02d}",
                "is_active": True} for i in range(scale.streets)]
    _insert(Street.__table__, streets)
    cid, gid, sid, tid = _next_id(Community), _next_id(Grid), _next_id(Section), _next_id(Team)
    communities = [{"id": cid + i, "code": f"{PREFIX}{i:03d}", "name": f"示范社区{i + 1:03d}",
                    "street_id": streets[i % len(streets)]["id"], "is_active": True}
                   for i in range(scale.communities)]
    grids = [{"id": gid + i, "community_id": communities[i % scale.communities]["id"],
              "name": f"第{i + 1}网格", "is_active": True} for i in range(scale.grids)]
    sections = []
    for i in range(scale.sections):
        grid = grids[i % scale.grids]
        sections.append({"id": sid + i, "grid_id": grid["id"], "name": f"第{i + 1}片区", "is_active": True})
    community_of_grid = {g["id"]: g["community_id"] for g in grids}
    teams_a = [{"id": tid + i, "community_id": g["community_id"], "post": "A", "grid_id": g["id"],
                "section_id": None, "name": f"{g['name']}暖心服务团", "is_active": True}
               for i, g in enumerate(grids)]
    teams_b = [{"id": tid + len(grids) + i, "community_id": community_of_grid[s["grid_id"]], "post": "B",
                "grid_id": None, "section_id": s["id"], "name": f"{s['name']}先锋服务队", "is_active": True}
               for i, s in enumerate(sections)]
    for table, rows in ((Community.__table__, communities), (Grid.__table__, grids),
                        (Section.__table__, sections), (Team.__table__, teams_a + teams_b)):
        _insert(table, rows)
    team_a_of_grid = {t["grid_id"]: t for t in teams_a}
    shapes = voronoi_boundaries(now, seed=seed, commit=False)  # every section has a shape

    # --- people ---------------------------------------------------------------------------
    uid, rid_grant, tmid = _next_id(User), _next_id(RoleGrant), _next_id(TeamMember)
    users, grants, memberships = [], [], []
    members_of_team: dict[int, list[int]] = {}
    a_members = scale.members * 3122 // 5131
    for i in range(scale.members):
        user_id = uid + len(users)
        users.append({"id": user_id, "openid": f"syn-m-{seed}-{i}", "nickname": f"队员{i}",
                      "name": f"队员{i}", "phone": None, "home_community_id": None,
                      "home_section_id": None, "is_active": True, "created_at": now - timedelta(days=scale.days)})
        team = teams_a[i % len(teams_a)] if i < a_members else teams_b[i % len(teams_b)]
        memberships.append({"id": tmid + i, "team_id": team["id"], "user_id": user_id, "is_active": True,
                            "joined_at": now - timedelta(days=scale.days)})
        members_of_team.setdefault(team["id"], []).append(user_id)
        for role in ("resident", "member"):
            grants.append({"id": rid_grant + len(grants), "user_id": user_id, "role": role,
                           "community_id": None, "street_id": None, "granted_by_id": None,
                           "created_at": now})
    for c in communities:
        user_id = uid + len(users)
        users.append({"id": user_id, "openid": f"syn-c-{seed}-{c['code']}", "nickname": "书记",
                      "name": "书记", "phone": None, "home_community_id": c["id"], "home_section_id": None,
                      "is_active": True, "created_at": now - timedelta(days=scale.days)})
        for role, scope in (("resident", None), ("committee", c["id"])):
            grants.append({"id": rid_grant + len(grants), "user_id": user_id, "role": role,
                           "community_id": scope, "street_id": None, "granted_by_id": None,
                           "created_at": now})
    for street in streets:  # one staff account per street (街道干部)
        user_id = uid + len(users)
        users.append({"id": user_id, "openid": f"syn-s-{seed}-{street['code']}", "nickname": "街道",
                      "name": "街道干部", "phone": None, "home_community_id": None,
                      "home_section_id": None, "is_active": True,
                      "created_at": now - timedelta(days=scale.days)})
        grants.append({"id": rid_grant + len(grants), "user_id": user_id, "role": "street",
                       "community_id": None, "street_id": street["id"], "granted_by_id": None,
                       "created_at": now})
    first_resident = uid + len(users)
    for i in range(scale.residents):
        section = sections[i % len(sections)]
        users.append({"id": first_resident + i, "openid": f"syn-r-{seed}-{i}", "nickname": f"居民{i}",
                      "name": f"居民{i}", "phone": f"139{i:08d}"[:11],
                      "home_community_id": community_of_grid[section["grid_id"]],
                      "home_section_id": section["id"], "is_active": True,
                      "created_at": now - timedelta(days=scale.days)})
        grants.append({"id": rid_grant + len(grants), "user_id": first_resident + i, "role": "resident",
                       "community_id": None, "street_id": None, "granted_by_id": None,
                           "created_at": now})
    _insert(User.__table__, users)
    _insert(RoleGrant.__table__, grants)
    _insert(TeamMember.__table__, memberships)

    # --- requests, timelines, ratings -----------------------------------------------------
    code_of = {c["id"]: c["code"] for c in communities}
    start = now - timedelta(days=scale.days)
    span = (now - start).total_seconds()
    offsets = sorted(rng.random() * span for _ in range(scale.requests))
    req_id, ev_id, rt_id = _next_id(Request), _next_id(Event), _next_id(Rating)
    counters: dict[tuple[int, str], int] = {}
    totals = {"requests": 0, "events": 0, "ratings": 0}
    batch_r, batch_e, batch_n, batch_t = [], [], [], []

    def flush():
        _insert(Request.__table__, batch_r)
        _insert(Event.__table__, batch_e)
        _insert(EventNote.__table__, batch_n)
        _insert(Rating.__table__, batch_t)
        totals["requests"] += len(batch_r)
        totals["events"] += len(batch_e)
        totals["ratings"] += len(batch_t)
        if progress:
            progress(len(batch_r))
        batch_r.clear(), batch_e.clear(), batch_n.clear(), batch_t.clear()

    for n, offset in enumerate(offsets):
        submitted = start + timedelta(seconds=offset)
        section = sections[int(rng.paretovariate(1.2) * 7) % len(sections)]
        community_id = community_of_grid[section["grid_id"]]
        category = categories[rng.randrange(len(categories))]
        team = team_a_of_grid[section["grid_id"]]
        resident = first_resident + rng.randrange(scale.residents)
        day = submitted.astimezone(tz).strftime("%Y%m%d")
        lat, lng = random_point_in(shapes[section["id"]], rng)
        seq = counters[(community_id, day)] = counters.get((community_id, day), 0) + 1
        accept_deadline = submitted + timedelta(minutes=category.accept_minutes)
        resolve_deadline = submitted + timedelta(hours=category.resolve_hours)
        events = [("submit", "owner", resident, None, "dispatched", submitted, None)]
        row = {
            "id": req_id + n, "no": f"{code_of[community_id]}-{day}-{seq:04d}",
            "community_id": community_id, "grid_id": section["grid_id"], "section_id": section["id"],
            "category_id": category.id, "resident_id": resident, "channel": "miniprogram",
            "description": f"{category.name}问题，请尽快处理（合成数据 {n}）", "address": None,
            "lat": lat, "lng": lng, "coord_system": "wgs84", "sent_lat": lat, "sent_lng": lng,
            "cell": cell_of(lat, lng), "public": rng.random() < 0.6, "status": "dispatched",
            "hop": "A", "team_id": team["id"], "handler_id": None,
            "accept_deadline": accept_deadline, "resolve_deadline": resolve_deadline,
            "submitted_at": submitted, "accepted_at": None, "resolved_at": None, "closed_at": None,
            "updated_at": submitted, "reopen_count": 0, "version": 1,
        }
        age = now - submitted
        roll = rng.random()
        if roll < 0.02 and age > timedelta(hours=1):
            at = submitted + timedelta(minutes=rng.uniform(1, 30))
            if at < now:
                row.update(status="cancelled", closed_at=at, updated_at=at)
                events.append(("cancel", "owner", resident, "dispatched", "cancelled", at, None))
        if row["status"] == "dispatched":
            window = category.accept_minutes * (0.9 if rng.random() < 0.85 else 2.5)
            accepted = submitted + timedelta(minutes=rng.uniform(1, window))
            if accepted < now:
                handler = rng.choice(members_of_team.get(team["id"]) or [None])
                row.update(status="accepted", handler_id=handler, accepted_at=accepted, updated_at=accepted)
                events.append(("accept", "team", handler, "dispatched", "accepted", accepted, None))
                hours = category.resolve_hours * (rng.uniform(0.1, 0.95) if rng.random() < 0.88
                                                  else rng.uniform(1.05, 2.0))
                resolved = accepted + timedelta(hours=hours)
                if rng.random() < 0.5 and resolved - timedelta(hours=hours / 2) < now:
                    at = accepted + timedelta(hours=hours / 2)
                    row.update(status="in_progress", updated_at=at)
                    events.append(("progress", "handler", handler, "accepted", "in_progress", at, "处理中"))
                if resolved < now and rng.random() > 0.03:
                    events.append(("resolve", "handler", handler, row["status"], "resolved", resolved, "已处理"))
                    row.update(status="resolved", resolved_at=resolved, updated_at=resolved)
                    closed = resolved + timedelta(hours=rng.uniform(0.5, 20))
                    if closed < now:
                        if rng.random() < 0.96:
                            row.update(status="closed", closed_at=closed, updated_at=closed)
                            events.append(("approve", "committee", None, "resolved", "closed", closed, None))
                            rated = closed + timedelta(hours=rng.uniform(1, 48))
                            if rated < now and rng.random() < 0.7:
                                good = rng.random()
                                satisfaction = ("satisfied" if good < 0.8 else
                                                "basically_satisfied" if good < 0.95 else "dissatisfied")
                                ok = satisfaction != "dissatisfied" or rng.random() < 0.3
                                batch_t.append({"id": rt_id + totals["ratings"] + len(batch_t),
                                                "request_id": row["id"], "cycle": 0, "resolved": ok,
                                                "satisfaction": satisfaction, "comment": None,
                                                "created_at": rated})
                                events.append(("rate", "owner", resident, "closed", "closed", rated, None))
                        else:
                            row.update(status="rejected", closed_at=closed, updated_at=closed)
                            events.append(("reject", "committee", None, "resolved", "rejected", closed,
                                           "非社区职责范围"))
        row["version"] = len(events)
        batch_r.append(row)
        for action, role, actor, before, after, at, note in events:
            event_id = ev_id + totals["events"] + len(batch_e)
            batch_e.append({"id": event_id, "request_id": row["id"],
                            "actor_id": actor, "actor_role": role, "action": action,
                            "from_status": before, "to_status": after, "data": None,
                            "created_at": at})
            if note is not None:  # free text lives apart from the append-only event
                batch_n.append({"event_id": event_id, "request_id": row["id"], "text": note,
                                "erased_at": None})
        if len(batch_r) >= BATCH:
            flush()
    flush()
    _insert(RequestCounter.__table__, [{"community_id": c, "day": d, "value": v}
                                       for (c, d), v in sorted(counters.items())])
    _fix_sequences([Street, Community, Grid, Section, Team, User, RoleGrant, TeamMember, Request, Event, Rating])
    db.session.commit()
    return {"streets": len(streets), "communities": len(communities), "grids": len(grids), "sections": len(sections),
            "teams": len(teams_a) + len(teams_b), "members": scale.members,
            "residents": scale.residents, **totals}
