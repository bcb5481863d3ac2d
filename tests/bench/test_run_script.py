"""The benchmark script's pieces that need no server: its wrk script and its result parsing."""

from __future__ import annotations

import json

import pytest

from bench.run import MARK, Scenario, lua_script, parse_wrk, to_result


def test_the_wrk_summary_line_is_parsed():
    output = ("Running 10s test @ http://127.0.0.1:8765\n  1 threads and 16 connections\n"
              + MARK + json.dumps({"requests": 5000, "duration_us": 10_000_000, "p50_us": 2500,
                                   "p99_us": 40_000, "non_2xx": 3, "socket_errors": 0}) + "\n")
    result = to_result(Scenario("inbox", "read", "GET"), parse_wrk(output), connections=16)
    assert result.rps == pytest.approx(500.0)
    assert (result.p50_ms, result.p99_ms, result.non_2xx) == (2.5, 40.0, 3)


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
    body = json.dumps({"d": '引号"和\\'})
    assert json.dumps(body, ensure_ascii=False) in script
