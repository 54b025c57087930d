"""The read path for figures is the only door (issue #10).

Computed figures leave the store only through ``cdphub/outcomes/published.py``, which applies
visibility and small-number suppression in the query. This test reads every module of the
package (no database, no import) and fails if one outside the outcomes store names the
models that hold figures, reaches them through a relation or a model lookup by name, or
queries their tables in SQL.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cdphub"
FIGURE_MODELS = {"ComputedValue", "Observation"}
#: The outcomes store and read path: the only modules that may touch figure rows.
ALLOWED = {
    "outcomes/models.py",     # defines them
    "outcomes/published.py",  # the read path
    "outcomes/store.py",      # every write, and the store's own reads of observations
    "outcomes/compute.py",    # reads current observations to compute; writes via the store
}
FIGURE_COLUMNS = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
                  "upper_99_8")
#: A lookup through a relation into a figure model (``observations__value`` …).
RELATED_LOOKUP = re.compile(r"\b(observations|superseded|values|metric_values)__("
                            + "|".join(FIGURE_COLUMNS) + r")(?=$|__|\W)")
TABLES = re.compile(r"outcomes_(computedvalue|observation)\b", re.IGNORECASE)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def problems_in(path: Path, source: str | None = None) -> list[str]:
    """What in this module reads figures without the read path (empty when allowed)."""
    relative = path.relative_to(PACKAGE).as_posix()
    if relative in ALLOWED:
        return []
    source = path.read_text() if source is None else source
    tree = ast.parse(source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in FIGURE_MODELS:
                    found.append(f"{relative}:{line} imports {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in FIGURE_MODELS:
            found.append(f"{relative}:{line} uses .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in FIGURE_MODELS:
            found.append(f"{relative}:{line} uses {node.id}")
        elif isinstance(node, ast.keyword) and node.arg and RELATED_LOOKUP.search(node.arg):
            found.append(f"{relative}:{line} looks up {RELATED_LOOKUP.search(node.arg)[0]}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text in FIGURE_MODELS or text.lower() in ("outcomes.computedvalue",
                                                         "outcomes.observation"):
                found.append(f"{relative}:{line} names the model {text!r} (get_model?)")
            if RELATED_LOOKUP.search(text):
                found.append(f"{relative}:{line} looks up {RELATED_LOOKUP.search(text)[0]}")
            if TABLES.search(text) and not _is_docstring(tree, node):
                found.append(f"{relative}:{line} queries the table {TABLES.search(text)[0]}")
    return found


def _is_docstring(tree: ast.AST, node: ast.Constant) -> bool:
    for parent in ast.walk(tree):
        body = getattr(parent, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and body[0].value is node:
            return True
    return False


def test_only_the_outcomes_store_and_read_path_touch_figure_rows():
    found = [problem for path in modules() for problem in problems_in(path)]
    assert found == [], ("Read computed figures through cdphub.outcomes.published (Figures), "
                         "never from the models:\n" + "\n".join(found))


def test_the_allowed_modules_exist():
    """The allow-list names real files (a renamed store would otherwise widen the door)."""
    assert {p.relative_to(PACKAGE).as_posix() for p in modules()} >= ALLOWED


def test_the_models_have_no_reverse_accessors_to_figures():
    """``metric.values`` / ``partnership.metric_values`` would be a door round the read path."""
    from cdphub.outcomes.models import ComputedValue

    for name in ("metric", "partnership", "area"):
        assert ComputedValue._meta.get_field(name).remote_field.related_name == "+"


@pytest.mark.parametrize("bypass", [
    "from cdphub.outcomes.models import ComputedValue\n",
    "from .models import Observation\n",
    "from cdphub.outcomes import models\nrows = models.ComputedValue.objects.all()\n",
    "from django.apps import apps\nrows = apps.get_model('outcomes', 'ComputedValue')\n",
    "rows = Metric.objects.filter(values__value__lt=5)\n",
    "rows = DataLoad.objects.filter(observations__numerator=3)\n",
    "SQL = 'SELECT value FROM outcomes_computedvalue'\n",
])
def test_each_way_round_the_read_path_is_caught(bypass):
    """The check itself: each way a consumer could read figures directly is reported."""
    path = PACKAGE / "outcomes" / "dashboard.py"
    assert problems_in(path, path.read_text() + "\n" + bypass) != []
