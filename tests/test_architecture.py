"""The house's shape: domain packages (``server/<domain>/``) depend on each other in one
direction only, and ``server/wechat`` speaks to WeChat without knowing any other domain.

Every import counts, at module level or inside a function: a late import hides a cycle from
Python, not from the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
# Not a domain: the schema's history. (Operations is one: what every layer reports to, the
# process metrics and the logs, are leaves outside the packages, server/telemetry.py and
# server/logs.py, and each domain contributes its own scrape-time metrics.)
NOT_DOMAINS = {"migrations"}


def _domains() -> set[str]:
    return {p.name for p in SERVER.iterdir()
            if (p / "__init__.py").exists() and p.name not in NOT_DOMAINS}


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "server":  # from server import grid
                found.update(f"server.{alias.name}" for alias in node.names)
    return found


def dependencies() -> dict[str, dict[str, str]]:
    """domain → {domain it imports: one file that imports it}."""
    domains = _domains()
    graph: dict[str, dict[str, str]] = {d: {} for d in domains}
    for domain in domains:
        for path in sorted((SERVER / domain).rglob("*.py")):
            for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
                parts = module.split(".")
                if (len(parts) > 1 and parts[0] == "server" and parts[1] in domains
                        and parts[1] != domain):
                    graph[domain].setdefault(parts[1], str(path.relative_to(SERVER.parent)))
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """One cycle of the graph as a path ``[a, b, …, a]``, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_check_finds_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b": "x"}, "b": {"c": "y"}, "c": {"a": "z"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": "x"}, "b": {}, "c": {"a": "z", "b": "w"}}) is None


def test_the_graph_sees_late_imports():
    tree = ast.parse("def f():\n    from server.requests.models import Request\n")
    assert "server.requests.models" in _imported_modules(tree)


def test_no_import_cycle_between_domain_packages():
    graph = dependencies()
    assert {"requests", "duty", "wechat", "accounts", "admin"} <= set(graph)
    cycle = find_cycle(graph)
    if cycle:
        via = [f"{a} → {b} ({graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
        raise AssertionError("import cycle between domains: " + "; ".join(via))


def test_wechat_knows_no_other_domain():
    """What to hold or release, whose phone to bind: other domains call the WeChat client."""
    assert dependencies()["wechat"] == {}


def test_duty_knows_no_request():
    """The whistle and the sweeps are a request's rules; duty is the roster and departments."""
    assert "requests" not in dependencies()["duty"]
