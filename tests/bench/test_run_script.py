"""The benchmark script's pieces: its wrk script, its result parsing, the paced generator and
the sweep measurement's clean-up."""

from __future__ import annotations

import json
import os

import pytest

from bench.run import MARK, Scenario, lua_script, merge_runs, parse_wrk, to_result


def test_the_wrk_summary_line_is_parsed():
    output = ("Running 10s test @ http://127.0.0.1:8765\n  1 threads and 16 connections\n"
              + MARK + json.dumps({"requests": 5000, "duration_us": 10_000_000, "p50_us": 2500,
                                   "p99_us": 40_000, "non_2xx": 3, "socket_errors": 0}) + "\n")
    result = to_result(Scenario("inbox", "read", "GET"), parse_wrk(output), connections=16)
    assert result.rps == pytest.approx(500.0)
    assert (result.p50_ms, result.p99_ms, result.non_2xx) == (2.5, 40.0, 3)



def _run(requests: int, seconds: float, grid: list[int]) -> dict:
    return {"requests": requests, "duration_us": round(seconds * 1e6), "p50_us": 0, "p99_us": 0,
            "non_2xx": 1, "socket_errors": 2, "grid_us": grid}


def test_runs_side_by_side_add_their_rates_and_merge_their_latencies():
    # 999 grid points each: the first process answered everything in 1 ms, the second, which
    # served three times as many requests, in 5 ms but for its slowest tenth (20 ms).
    fast = _run(1000, 10.0, [1000] * 999)
    slow = _run(3000, 9.7, [5000] * 899 + [20_000] * 100)
    merged = merge_runs([fast, slow])
    result = to_result(Scenario("list", "read", "GET"), merged, connections=16)
    assert result.rps == pytest.approx(100 + 3000 / 9.7, rel=1e-3)
    assert result.requests == 4000 and (result.non_2xx, result.errors) == (2, 4)
    # a quarter of the requests at 1 ms: the median is the slow process's 5 ms; its slowest
    # tenth is 7.5% of all, so p99 is 20 ms.
    assert (merged["p50_us"], merged["p99_us"]) == (5000, 20_000)
    assert merge_runs([fast]) is fast

def test_a_run_without_summary_is_an_error():
    with pytest.raises(ValueError, match="no summary line"):
        parse_wrk("unable to connect to 127.0.0.1:8765 Connection refused\n")


def test_the_lua_script_carries_every_item_and_escapes_bodies():
    scenario = Scenario("submit", "write", "POST", [
        {"path": "/api/v1/requests", "token": "abc", "body": json.dumps({"d": '引号"和\\'})},
        {"path": "/api/v1/requests", "token": "def", "body": "{}"},
    ], once=True)
    script = lua_script(scenario, threads=2, delay_ms=7)
    assert script.count('path = "/api/v1/requests"') == 2
    assert 'token = "abc"' in script and 'local once = true' in script
    assert "return 7" in script and "local stride = 2" in script
    assert "latency:percentile(i / 10)" in script  # the grid that ``merge_runs`` merges
    body = json.dumps({"d": '引号"和\\'})
    assert json.dumps(body, ensure_ascii=False) in script


def test_the_paced_generator_frames_requests_and_reads_responses():
    import asyncio

    from bench.paced import _read_response, _request_bytes

    raw = _request_bytes("127.0.0.1:8765", "POST", {"path": "/api/v1/requests", "token": "t",
                                                    "body": json.dumps({"d": "诉求"})})
    head, body = raw.split(b"\r\n\r\n")
    assert head.startswith(b"POST /api/v1/requests HTTP/1.1\r\n")
    assert b"Authorization: Bearer t" in head
    assert f"Content-Length: {len(body)}".encode() in head and json.loads(body) == {"d": "诉求"}

    async def read(data: bytes) -> tuple[int, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(data + b"NEXT")
        reader.feed_eof()
        return await _read_response(reader), await reader.read()

    fixed = b"HTTP/1.1 201 CREATED\r\nContent-Length: 2\r\n\r\n{}"
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n0\r\n\r\n")
    assert asyncio.run(read(fixed)) == (201, b"NEXT")  # the body is consumed, not the next one
    assert asyncio.run(read(chunked)) == (200, b"NEXT")


def test_the_paced_generator_finds_which_process_accepted_a_connection():
    import os
    import socket

    from bench.paced import _accepted_by

    with socket.create_server(("127.0.0.1", 0)) as listener:
        server_port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", server_port)) as client:
            client_port = client.getsockname()[1]
            # connected, not yet accepted: the server's end belongs to no process
            assert _accepted_by(client_port, server_port, [os.getpid()]) is None
            accepted, _ = listener.accept()
            with accepted:
                assert _accepted_by(client_port, server_port, [os.getpid()]) == os.getpid()
                assert _accepted_by(client_port, server_port, [os.getppid()]) is None


def test_the_sweep_measurement_leaves_the_requests_as_it_found_them(world, app):
    """The escalation sweep is timed on requests reopened for it; afterwards they are as they
    were, so that runs on a reused database stay comparable."""
    from datetime import timedelta

    from sqlalchemy import select

    from bench.run import time_sweep
    from server.catalogue.models import Category
    from server.extensions import db
    from server.requests.models import Request

    category = db.session.scalar(select(Category.id).order_by(Category.id))
    member = world.user("demo-member-a").id
    closed_at = world.clock.now() - timedelta(days=2)
    for n in range(3):
        db.session.add(Request(
            no=f"SW-{n}", community_id=world.community.id, grid_id=world.section.grid_id,
            section_id=world.section.id, category_id=category, description="已办结",
            status="closed", hop="A", team_id=world.team_a.id, handler_id=member,
            submitted_at=closed_at - timedelta(hours=3), updated_at=closed_at,
            accept_deadline=closed_at - timedelta(hours=2), accepted_at=closed_at - timedelta(hours=2),
            resolved_at=closed_at - timedelta(hours=1), closed_at=closed_at))
    db.session.commit()
    table = Request.__table__
    before = [dict(row._mapping) for row in db.session.execute(select(table).order_by(table.c.id))]

    environment = {k: v for k, v in os.environ.items() if k != "HUYING_ENV"}
    sweep = time_sweep(app.config["SQLALCHEMY_DATABASE_URI"], environment, due=3)

    assert sweep["hops"] == 3  # each moved from post A to post B while timed
    db.session.rollback()
    assert [dict(row._mapping) for row in
            db.session.execute(select(table).order_by(table.c.id))] == before
