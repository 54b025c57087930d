"""``docs/rules.md`` stays true: every rule names a function that enforces it and a test that
proves it, every function named can be imported and every test named exists."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"
FUNCTION = re.compile(r"`(cdphub(?:\.\w+)+):(\w+(?:\.\w+)*)`")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+(?:::\w+)*)`")


def rule_rows() -> list[list[str]]:
    """The cells of each rule's row in the tables (headings and separators left out)."""
    rows = []
    for line in RULES.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| rule |", "| --- |")):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def resolve(module: str, attribute: str):
    found = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


@cache
def definitions(path: str) -> set[str]:
    """``name`` for each test function and ``Class::name`` for each test method in a file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {f"{node.name}::{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)}
    return names


def test_every_rule_names_its_source_a_function_and_a_test():
    rows = rule_rows()
    assert len(rows) >= 40
    for rule, source, enforced_by, proved_by in rows:
        assert rule and source, rule
        assert FUNCTION.search(enforced_by), f"no enforcing function for: {rule}"
        assert TEST.search(proved_by), f"no test for: {rule}"


def test_every_function_named_can_be_imported():
    text = RULES.read_text(encoding="utf-8")
    named = FUNCTION.findall(text)
    assert len(named) >= 40
    missing = []
    for module, attribute in named:
        try:
            found = resolve(module, attribute)
        except (ImportError, AttributeError) as error:
            missing.append(f"{module}:{attribute} ({error})")
            continue
        assert callable(found), f"{module}:{attribute} is not a function or class"
    assert not missing, "docs/rules.md names functions that do not exist:\n" + "\n".join(missing)


def test_every_test_named_exists():
    text = RULES.read_text(encoding="utf-8")
    named = TEST.findall(text)
    assert len(named) >= 50
    missing = [f"{path}::{name}" for path, name in named
               if not (ROOT / path).is_file() or name not in definitions(path)]
    assert not missing, "docs/rules.md names tests that do not exist:\n" + "\n".join(missing)


def test_the_readme_links_the_rules():
    assert "docs/rules.md" in (ROOT / "README.md").read_text(encoding="utf-8")
