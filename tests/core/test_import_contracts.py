"""The app graph's floor: the import-linter contracts in pyproject.toml hold, so ``pytest``
alone also fails when an import runs up the layers (docs/architecture.md).

``./dev lint`` and ``./dev test`` run ``lint-imports`` too; these tests make sure that the
contracts are the ones the architecture describes and that they catch a real violation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(  # noqa: S603 - our own virtualenv's lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_layers_run_from_config_down_to_core():
    contracts = _contracts()
    layers = contracts["layers"]
    assert layers["type"] == "layers"
    assert layers["containers"] == ["cdphub"]
    assert layers["layers"] == [
        "config",
        "api | demo",
        "public | oversight",
        "reporting",
        "planning",
        "practice",
        "outcomes : partnerships",
        "accounts",
        "geography",
        "core",
        "stats | framework",
    ]
    assert layers["exhaustive"] is True
    assert not layers.get("ignore_imports")
    for package, other in (("stats", "framework"), ("framework", "stats")):
        pure = contracts[f"{package}-pure"]
        assert pure["source_modules"] == [f"cdphub.{package}"]
        assert {"django", f"cdphub.{other}", "cdphub.core"} <= set(pure["forbidden_modules"])


def test_domain_apps_may_not_import_each_others_views():
    contracts = _contracts()
    register_views = {f"cdphub.partnerships.{name}" for name in (
        "views", "views_governance", "views_meetings", "views_return", "views_roles")}
    assert set(contracts["outcomes-no-register-views"]["forbidden_modules"]) == register_views
    assert set(contracts["register-no-outcomes-views"]["forbidden_modules"]) == {
        "cdphub.outcomes.views", "cdphub.outcomes.views_dashboard"}
    # Every views module of either app is listed (a new one must be added to its contract).
    for app, listed in (("partnerships", register_views), ("outcomes", set(
            contracts["register-no-outcomes-views"]["forbidden_modules"]))):
        found = {f"cdphub.{app}.{p.stem}" for p in (ROOT / "src/cdphub" / app).glob("views*.py")}
        assert found == listed
    # Each app above them imports no views module of the apps below it (every one is listed).
    def views_of(*apps):
        return {f"cdphub.{app}.{p.stem}" for app in apps
                for p in (ROOT / "src/cdphub" / app).glob("views*.py")}

    assert set(contracts["practice-no-other-views"]["forbidden_modules"]) == views_of(
        "partnerships", "outcomes")
    assert set(contracts["planning-no-other-views"]["forbidden_modules"]) == views_of(
        "partnerships", "outcomes", "practice")
    assert set(contracts["reporting-no-other-views"]["forbidden_modules"]) == views_of(
        "partnerships", "outcomes", "practice", "planning")
    for top in ("public", "oversight"):
        assert set(contracts[f"{top}-no-other-views"]["forbidden_modules"]) == views_of(
            "partnerships", "outcomes", "practice", "planning", "reporting")


@pytest.fixture(scope="module")
def copy_of_the_source(tmp_path_factory) -> Path:
    """The Python files of src/cdphub and the contracts, in a folder of their own."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "src/cdphub", root / "src/cdphub",
                    ignore=shutil.ignore_patterns("static", "templates", "data", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


# (module to edit, line added at the end, the contract that must break)
VIOLATIONS = {
    "core imports accounts inside a function": (
        "core/views.py", "def _x():\n    from cdphub.accounts.roles import is_central\n",
        "apps import only the layers below them"),
    "accounts imports the register": (
        "accounts/forms.py", "from cdphub.partnerships.models import Partnership\n",
        "apps import only the layers below them"),
    "stats imports Django": (
        "stats/rates.py", "import django.conf\n", "stats imports no Django"),
    "outcomes imports the register's views": (
        "outcomes/charts.py", "from cdphub.partnerships import views_return\n",
        "outcomes does not import the register's views"),
    "the register imports planning": (
        "partnerships/attention.py", "from cdphub.planning.models import Assessment\n",
        "apps import only the layers below them"),
    "planning imports the outcomes pages' views": (
        "planning/figures.py", "from cdphub.outcomes import views_dashboard\n",
        "planning does not import other apps' views"),
}


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_an_import_up_the_layers_breaks_a_contract(copy_of_the_source, case):
    path, line, contract = VIOLATIONS[case]
    module = copy_of_the_source / "src/cdphub" / path
    original = module.read_text(encoding="utf-8")
    module.write_text(original + "\n\n" + line, encoding="utf-8")
    try:
        result = _lint_imports(copy_of_the_source, pythonpath=copy_of_the_source / "src")
    finally:
        module.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [row for row in result.stdout.splitlines() if row.endswith(" BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
