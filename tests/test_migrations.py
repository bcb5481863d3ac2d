"""Release hygiene: migration files sort in the order they apply, one head, ids match names.

A new migration takes the next number after the head and names its file after it; this test
fails when two branches each added one without re-chaining, or when a file is misnumbered.
"""

from __future__ import annotations

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent.parent / "server" / "migrations" / "versions"


def _chain() -> list[tuple[str, str, str | None]]:
    found = []
    for path in sorted(VERSIONS.glob("*.py")):
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in ("revision", "down_revision")):
                values[node.targets[0].id] = ast.literal_eval(node.value)
        found.append((path.name, values["revision"], values["down_revision"]))
    return found


def test_file_names_sort_in_the_order_the_migrations_apply():
    chain = _chain()
    assert chain, "no migrations found"
    previous = None
    for name, revision, down in chain:
        assert name.startswith(f"{revision}_"), f"{name}: revision id {revision!r} is not its number"
        assert down == previous, f"{name} applies after {down!r}, but sorts after {previous!r}"
        previous = revision


def test_there_is_one_head():
    chain = _chain()
    downs = {down for _, _, down in chain}
    heads = [revision for _, revision, _ in chain if revision not in downs]
    assert heads == [chain[-1][1]]
