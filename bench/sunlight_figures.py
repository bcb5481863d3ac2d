"""Benchmark: the sunlight figures and the community page over many requests (not a test).

    DATABASE_URL=postgresql+psycopg://…/bench .venv/bin/flask db upgrade
    DATABASE_URL=postgresql+psycopg://…/bench .venv/bin/python bench/sunlight_figures.py \
        --rows 1000000

Inserts synthetic requests for the demo community (once; rerun with --reuse), then times the
figures by community / team / member over 30 days and a year, and the public page and its JSON
twin, reporting the number of SQL statements each took.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from seed.loader import load_demo  # noqa: E402
from server import create_app  # noqa: E402
from server.catalogue.models import Category  # noqa: E402
from server.extensions import db  # noqa: E402
from server.grid.models import Community, Team  # noqa: E402
from server.requests.models import Rating, Request  # noqa: E402
from server.sunlight import figures  # noqa: E402

STATUSES = ["closed"] * 6 + ["dispatched", "accepted", "in_progress", "resolved", "cancelled"]


def populate(rows: int, now: datetime) -> None:
    load_demo(now)
    community = db.session.scalar(select(Community).order_by(Community.id))
    grid = community.grids[0]
    section = grid.sections[0]
    team = db.session.scalar(select(Team).where(Team.grid_id == grid.id))
    category = db.session.scalar(select(Category).order_by(Category.id))
    rng = random.Random(7)
    start = db.session.scalar(select(db.func.coalesce(db.func.max(Request.id), 0))) + 1
    batch, ratings = [], []
    for n in range(start, start + rows):
        submitted = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        status = rng.choice(STATUSES)
        accepted = submitted + timedelta(minutes=rng.randrange(1, 90)) \
            if status not in ("dispatched", "cancelled") else None
        closed = submitted + timedelta(hours=rng.randrange(2, 40)) if status == "closed" else None
        batch.append({
            "id": n, "no": f"BENCH-{n:09d}", "community_id": community.id, "grid_id": grid.id,
            "section_id": section.id, "category_id": category.id, "description": "bench",
            "status": status, "hop": "A", "team_id": team.id, "handler_id": None,
            "channel": "bench", "public": False, "submitted_at": submitted, "updated_at": now,
            "accept_deadline": submitted + timedelta(minutes=30),
            "resolve_deadline": submitted + timedelta(hours=24), "accepted_at": accepted,
            "resolved_at": closed, "closed_at": closed, "reopen_count": 0, "version": 1,
        })
        if closed and rng.random() < 0.6:
            ratings.append({"request_id": n, "cycle": 0, "resolved": rng.random() < 0.9,
                            "satisfaction": rng.choice(["satisfied", "basically_satisfied",
                                                        "dissatisfied"]), "created_at": now})
        if len(batch) == 10_000:
            _flush(batch, ratings)
    _flush(batch, ratings)


def _flush(batch: list, ratings: list) -> None:
    if batch:
        db.session.execute(insert(Request), batch)
    if ratings:
        db.session.execute(insert(Rating), ratings)
    db.session.commit()
    batch.clear()
    ratings.clear()


def timed(label: str, func) -> None:
    statements = []
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    began = time.perf_counter()
    func()
    elapsed = time.perf_counter() - began
    event.remove(db.engine, "before_cursor_execute", listener)
    print(f"{label:48} {elapsed * 1000:9.1f} ms  {len(statements):3d} SQL")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="do not insert, time only")
    options = parser.parse_args()
    app = create_app()
    now = datetime.now(UTC)
    with app.app_context():
        if not options.reuse:
            began = time.perf_counter()
            populate(options.rows, now)
            print(f"inserted {options.rows} requests in {time.perf_counter() - began:.1f} s")
        total = db.session.scalar(select(db.func.count()).select_from(Request))
        community = db.session.scalar(select(Community).order_by(Community.id))
        print(f"{total} requests in the database")
        for days in (30, 365):
            for group in ("community", "team", "member"):
                timed(f"figures by {group}, last {days} days",
                      lambda g=group, d=days: figures.figures_for(
                          now=now, group=g, start=now - timedelta(days=d),
                          community_id=community.id))
        client = app.test_client()
        for path in (f"/sunlight/communities/{community.id}",
                     f"/api/v1/public/communities/{community.id}/sunlight", "/sunlight/"):
            timed(f"GET {path}", lambda p=path: client.get(p))


if __name__ == "__main__":
    main()
