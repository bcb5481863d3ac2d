"""One code, one meaning: every error code lives in ``server.errors.Code`` and nowhere else.

These tests read the source (no app needed): a code written as a bare number, a code shared
by two meanings, a code whose status differs from the error raised with it, or a code missing
from README's table fails here with a message saying what to do.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import server.errors as errors
from server.errors import Code, DomainError

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("server", "mini_program_api")
NOT_OURS = {"fake.py"}  # the fake WeChat answers with WeChat's own errcodes

HOW_TO_ADD = (
    "\nHow to add an error code: in server/errors.py add a member to `Code` with a NEW number "
    "(the HTTP status × 100 plus the next free number of that status; never reuse one, even for "
    "something similar), e.g. `ACTIVITY_CANCELLED = 40959, \"the activity was cancelled\"`; raise "
    "it by name: `raise Conflict(\"活动已取消\", code=Code.ACTIVITY_CANCELLED)`; and add its row "
    "`| 40959 | `ACTIVITY_CANCELLED` | the activity was cancelled |` to the error-code table of README.md."
)

ERROR_CLASSES = {name: cls for name, cls in vars(errors).items()
                 if isinstance(cls, type) and issubclass(cls, DomainError)}


def _sources():
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts or path.name in NOT_OURS:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _code_member(node) -> Code | None:
    """``Code.NAME`` → the member; anything else → None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Code":
        assert node.attr in Code.__members__, f"Code.{node.attr} does not exist.{HOW_TO_ADD}"
        return Code[node.attr]
    return None


def _is_code_number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 40000 <= node.value <= 59999


def _code_nodes(tree):
    """(node, status or None) for every place a code is given: ``code=`` keywords, the second
    argument of ``error_response``, a ``"code":`` key of a dict, a class's ``code`` attribute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            status = getattr(ERROR_CLASSES.get(func), "status", None)
            for keyword in node.keywords:
                if keyword.arg in {"code", "lost_code"}:
                    yield keyword.value, status
            if func == "error_response" and len(node.args) >= 2:
                first = node.args[0]
                yield node.args[1], first.value if isinstance(first, ast.Constant) else None
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    yield value, None
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                if "code" in names:
                    values = dict(zip(names, node.value.elts, strict=False))
                    status = values.get("status")
                    yield values["code"], status.value if isinstance(status, ast.Constant) else None
            elif isinstance(target, ast.Name) and target.id in {"code", "lost_code"}:
                yield node.value, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id in {"code", "lost_code"} and node.value is not None:
            yield node.value, None


def test_each_code_has_one_meaning():
    aliases = {name: member for name, member in Code.__members__.items() if member.name != name}
    assert not aliases, (
        "These members reuse a number that already means something else: "
        + ", ".join(f"{name} = {int(member)} (already {member.name})" for name, member in aliases.items())
        + ". Give each its own number." + HOW_TO_ADD
    )
    for member in Code:
        assert member.meaning.strip(), f"{member.name} has no meaning.{HOW_TO_ADD}"
        assert 400 <= member // 100 <= 599, f"{member.name} = {int(member)} is not an HTTP error status × 100 + n"


def test_every_code_in_the_source_names_a_member_of_the_table():
    bare, mismatched = [], []
    for path, tree in _sources():
        where = path.relative_to(ROOT)
        for node, status in _code_nodes(tree):
            if _is_code_number(node):
                bare.append(f"{where}:{node.lineno}: {node.value}")
                continue
            member = _code_member(node)
            if member is not None and status is not None and member // 100 != status:
                mismatched.append(f"{where}:{node.lineno}: Code.{member.name} ({int(member)}) with status {status}")
    assert not bare, "Error codes written as numbers (name a member of server.errors.Code instead):\n" + \
        "\n".join(bare) + HOW_TO_ADD
    assert not mismatched, "A code's first three digits are the status it is sent with:\n" + "\n".join(mismatched)


def test_the_scan_sees_a_bare_code():
    tree = ast.parse('raise Conflict("x", code=40999)\nerror_response(409, 40998, "y")\n'
                     'class E(DomainError):\n    status, code, msg = 409, 40997, "z"\n')
    assert sorted(node.value for node, _ in _code_nodes(tree) if _is_code_number(node)) == [40997, 40998, 40999]
    tree = ast.parse('raise Invalid("x", code=Code.ALREADY_RATED)')
    [(node, status)] = list(_code_nodes(tree))
    assert _code_member(node) == Code.ALREADY_RATED and status == 422  # a mismatch the test above reports


def test_readme_lists_every_code_with_its_meaning():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d{5}) \| `(\w+)` \| (.+?) \|$", readme, re.M)
    listed = {int(code): (name, meaning) for code, name, meaning in rows}
    expected = {int(member): (member.name, member.meaning) for member in Code}
    missing = sorted(set(expected) - set(listed))
    stale = sorted(set(listed) - set(expected))
    wrong = sorted(code for code in set(expected) & set(listed) if listed[code] != expected[code])
    assert len(rows) == len(listed), "README lists a code twice"
    assert not missing and not stale and not wrong, (
        f"README's error-code table differs from server.errors.Code: missing {missing}, not in Code {stale}, "
        f"different name or meaning {wrong}. Rows read `| 40959 | `NAME` | meaning |`, the meaning as in Code."
        + HOW_TO_ADD
    )
