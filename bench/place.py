"""Place figures for ``make bench``: locate, nearby and submit by point, measured in process.

    .venv/bin/python bench/place.py                     # county scale, 50,000 sections
    .venv/bin/python bench/place.py --scale city        # nearby on 1,000,000 requests
    .venv/bin/python bench/place.py --scale tiny --sections 2000 --quick   # a smoke run

1. **Locate**: an STRtree over ``--sections`` Voronoi sections around the county town (the
   same tessellation as ``flask seed synthetic``), built in process as each worker builds it;
   the build time, then p50/p99 of ``SectionIndex.locate`` and ``nearest`` at random points.
2. **Nearby**: the PostgreSQL database ``huying_bench_place`` (re)created at
   ``BENCH_POSTGRES_URL``'s server, loaded with ``--scale`` synthetic data (every request has
   a point and a cell); p50/p99 of ``server.place.queries.nearby`` (50 m and 500 m) at random
   points in town, and the plan PostgreSQL chooses.
3. **Submit by point**: ``server.requests.service.submit`` with a point and no section (the
   section located, dispatched, committed), p50/p99.

Results go to ``bench/results-place.md`` (``--out``). Rate limits and content security are off:
the figures measure the work.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "huying_bench_place"


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def _town_points(rng: random.Random, n: int, half_km: float) -> list[tuple[float, float]]:
    from seed.place import TOWN

    d_lat = half_km * 1000 / 111_195
    d_lng = d_lat / 0.6967  # cos 45.85°
    return [(TOWN[0] + rng.uniform(-d_lat, d_lat), TOWN[1] + rng.uniform(-d_lng, d_lng)) for _ in range(n)]


def bench_locate(sections: int, lookups: int, rng: random.Random) -> list[str]:
    import numpy as np
    import shapely

    from seed.place import voronoi_shapes
    from server.place import geometry
    from server.place.index import Entry, SectionIndex

    began = time.perf_counter()
    shapes = voronoi_shapes(sections, seed=20261123)
    made = time.perf_counter() - began
    texts = np.array([geometry.dumps(shape) for shape in shapes], dtype=object)  # as stored
    began = time.perf_counter()
    array = shapely.from_geojson(texts)  # what server.place.index.build does with the rows
    shapely.prepare(array)
    entries = [Entry(i, f"片区{i}", i // 2, f"网格{i // 2}", i // 200, f"社区{i // 200}") for i in range(sections)]
    index = SectionIndex("bench", entries, array, shapely.STRtree(array))
    built = time.perf_counter() - began
    # the town's extent: sections of 400 m on a square lattice
    half_km = (sections ** 0.5) * 0.4 / 2
    points = _town_points(rng, lookups, half_km * 0.98)
    located, timings = 0, []
    for lat, lng in points:
        t0 = time.perf_counter()
        found = index.locate(lat, lng)
        timings.append(time.perf_counter() - t0)
        located += found is not None
    p50, p99 = _ms(timings)
    outside = _town_points(rng, max(lookups // 10, 100), half_km * 1.5)
    near = []
    for lat, lng in outside:
        t0 = time.perf_counter()
        index.locate(lat, lng) or index.nearest(lat, lng)
        near.append(time.perf_counter() - t0)
    n50, n99 = _ms(near)
    return [
        "## Locate (in process)",
        "",
        f"- {sections:,} Voronoi sections of about 400 m around 镇赉县城 ({half_km * 2:.0f} km square); "
        f"tessellation {made:.1f} s (seed data only); **index build {built * 1000:.0f} ms** from the "
        "stored GeoJSON texts (what a worker spends once after a boundary change, plus reading the rows)",
        f"- `SectionIndex.locate`, {lookups:,} random points in town ({located:,} inside a section): "
        f"**p50 {p50 * 1000:.0f} µs, p99 {p99 * 1000:.0f} µs** (target: p50 well under 1 ms)",
        f"- outside the town, `locate` then `nearest` (the 422 naming the nearest): p50 {n50:.2f} ms, "
        f"p99 {n99:.2f} ms",
        "- a request also reads the boundary token (one primary-key read) before the lookup",
        "",
    ]


def _database(url: str) -> str:
    import psycopg

    base, _, _ = url.rpartition("/")
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return f"{base}/{DB_NAME}"


def bench_database(url: str, scale: str, queries: int, submits: int, rng: random.Random) -> list[str]:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from seed.synthetic import SCALES, generate
    from server import create_app
    from server.accounts.models import User
    from server.errors import Invalid
    from server.extensions import db
    from server.grid.models import Section
    from server.place import cells, index
    from server.place import service as place
    from server.requests import nearby, service
    from server.requests.models import Request

    app = create_app({"SQLALCHEMY_DATABASE_URI": _database(url), "WECHAT_FAKE": False,
                      "WECHAT_CONTENT_CHECK": False, "MAX_OPEN_REQUESTS": 0, "ABUSE_LIMITS": False,
                      "NOTIFY_CHANNELS": "inbox"})
    lines = []
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        counts = generate(scale=SCALES[scale], now=datetime.now(UTC), seed=20261123)
        loaded = time.perf_counter() - began
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        sections = db.session.scalar(select(func.count()).select_from(Section))
        open_requests = db.session.scalar(select(func.count()).select_from(Request).where(
            Request.status.in_(["dispatched", "accepted", "in_progress", "resolved", "referred"])))
        half_km = (sections ** 0.5) * 0.4 / 2
        rows = []
        for radius in (50, 500):
            timings, found = [], []
            for lat, lng in _town_points(rng, queries, half_km * 0.9):
                t0 = time.perf_counter()
                items = nearby.nearby(lat=lat, lng=lng, radius_m=radius, category_code=None,
                                             user_id=None)
                timings.append(time.perf_counter() - t0)
                found.append(len(items))
                db.session.rollback()
            p50, p99 = _ms(timings)
            rows.append(f"| nearby {radius} m | {p50:.2f} | {p99:.2f} | {statistics.mean(found):.1f} |")
        lat, lng = _town_points(rng, 1, half_km * 0.5)[0]
        clause = nearby.near_clause(lat, lng, 500)
        compiled = select(Request.id).where(clause, Request.status == "dispatched").compile(
            db.engine, compile_kwargs={"literal_binds": True})
        plan = [r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}"))]
        residents = db.session.scalars(select(User).where(User.openid.like("syn-r-%")).limit(submits)).all()
        index.get()  # the worker's first request builds the index
        timings = []
        for resident, (lat, lng) in zip(residents, _town_points(rng, submits, half_km * 0.9), strict=False):
            t0 = time.perf_counter()
            try:
                service.submit(resident=resident, category_code="sanitation", description="路灯坏了，请尽快修理",
                               lat=lat, lng=lng, coord_system="wgs84", now=datetime.now(UTC))
            except Invalid:  # outside every section: the 422 path
                db.session.rollback()
            timings.append(time.perf_counter() - t0)
        s50, s99 = _ms(timings)
        located = []
        for lat, lng in _town_points(rng, 1000, half_km * 0.9):
            t0 = time.perf_counter()
            with contextlib.suppress(Invalid):  # outside every section: the 422 path
                place.locate(place.Point.of(lat, lng))
            located.append(time.perf_counter() - t0)
            db.session.rollback()
        l50, l99 = _ms(located)
        lines += [
            f"## Nearby and submit by point (PostgreSQL, `{scale}` scale)",
            "",
            f"- {counts['requests']:,} requests ({open_requests:,} open) in {sections:,} sections; loaded in "
            f"{loaded:.0f} s; cell {cells.SIZE}° (about 56 m × 39 m)",
            f"- {queries:,} queries per radius at random points in town, in process (no HTTP)",
            "",
            "| query | p50 ms | p99 ms | requests found (mean) |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            f"| locate with its token read (`place.service.locate`) | {l50:.2f} | {l99:.2f} | — |",
            f"| submit by point (locate, dispatch, notify, commit) | {s50:.2f} | {s99:.2f} | — |",
            "",
            "Plan of the 500 m cell ranges (open requests):",
            "",
            "```",
            *plan[:12],
            "```",
            "",
        ]
        db.session.remove()
        db.engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "county"),
                        choices=["tiny", "county", "city"])
    parser.add_argument("--sections", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-place.md"))
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/huying_bench"))
    args = parser.parse_args()
    rng = random.Random(7)
    lookups, queries, submits = (2_000, 100, 50) if args.quick else (20_000, 1_000, 300)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    header = [
        "# Place benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {os.cpu_count()} cores, {platform.platform()}; load average when the run began: "
        + " / ".join(f"{v:.1f}" for v in os.getloadavg()),
        "- in process, one thread: these figures are the work itself, not the HTTP server "
        "(bench/run.py measures that)",
        "",
    ]
    body = bench_locate(args.sections, lookups, rng)
    print("\n".join(body), flush=True)
    body += bench_database(args.postgres_url, args.scale, queries, submits, rng)
    Path(args.out).write_text("\n".join(header + body) + "\n", encoding="utf-8")
    print("\n".join(body[-20:]))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
