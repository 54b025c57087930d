"""Mutation testing: ``./dev mutate [target ...]``, or ``./dev mutate TARGET MUTANT ...``.

mutmut (https://mutmut.readthedocs.io) makes one small change at a time to the code of a
target (a ``<`` for a ``<=``, a constant, a dropped argument …), runs the tests that exercise
the changed function, and counts the change *killed* if a test fails. A change that no test
notices *survives*: either the tests miss a real mistake there, or the change makes no
difference the code can show (an equivalent mutant).

Each target is mutated on its own, against its own tests only, in ``var/mutate/<target>/``
(mutmut works on a copy, in ``mutants/`` there, and never touches ``src/``). The targets, and
the tests each runs against, are listed once, in ``TARGETS`` below. The run prints each
surviving mutant as a one-line diff and each target's kill rate.

Slow (minutes to hours): it is not part of ``./dev test``. One worker process, under
``nice``, so the machine stays usable.

After a full run of a target, ``./dev mutate TARGET NAME ...`` runs only the mutants named
(mutmut's names, as printed; ``*`` matches anything, e.g. ``'cdphub.stats.isr.*'``) again in
the same work folder, with the tests as they are now, and reports on those.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "mutate"
MUTMUT = Path(sys.executable).with_name("mutmut")


@dataclass(frozen=True)
class Target:
    files: list[str]  # globs of the files to mutate, from the repository root
    tests: list[str]  # the tests to run them against (pytest arguments)
    skip_files: list[str] = field(default_factory=list)
    # Only these functions of ``files`` (all of them when empty); ``Class.method`` for methods.
    functions: list[str] = field(default_factory=list)
    why_skipped: str = ""


TARGETS: dict[str, Target] = {
    # The statistical methods (docs/methods.md). The command-line wrapper is left out: its
    # tests run it end to end as a subprocess, which mutmut cannot follow.
    "stats": Target(
        files=["src/cdphub/stats/*.py"],
        skip_files=["src/cdphub/stats/cli.py"],
        tests=["tests/stats"],
        why_skipped="cli.py: tested as a subprocess (tests/stats/test_cli.py), out of mutmut's reach",
    ),
    # The register's writes: every change to partnerships, coverage and appointments. Against
    # the register's own tests: nearly every test in tests/partnerships registers a
    # partnership in its set-up, so each surviving mutant would run them all (a minute each).
    "actions": Target(
        files=["src/cdphub/partnerships/actions.py", "src/cdphub/partnerships/rules.py"],
        tests=["tests/partnerships/test_register_actions.py",
               "tests/partnerships/test_register_views.py",
               "tests/partnerships/test_register_import.py",
               "tests/partnerships/test_cross_partnership.py", "tests/partnerships/test_rules.py",
               "tests/test_mutation_gaps.py"],
    ),
    # The outcomes store: storing a checked load's figures, superseding, withdrawing, and
    # replacing computed values.
    "store": Target(
        files=["src/cdphub/outcomes/store.py"],
        functions=["store_load", "_insert_observations", "_current_chunks", "_current_keys",
                   "_update_in_batches", "_supersede", "can_be_withdrawn", "withdraw_load",
                   "replace_values", "_replace_values_once"],
        tests=["tests/outcomes/test_loading.py", "tests/outcomes/test_load_views.py",
               "tests/outcomes/test_load_cli.py", "tests/outcomes/test_compute.py",
               "tests/test_mutation_gaps.py"],
    ),
}

# mutmut's verdicts (``mutmut results``) that count as caught.
CAUGHT = {"killed", "timeout", "caught by type check", "segfault"}


def module_of(path: str) -> str:
    """src/cdphub/outcomes/loading.py → cdphub.outcomes.loading"""
    return ".".join(Path(path).relative_to("src").with_suffix("").parts)


def mutant_globs(target: Target) -> list[str]:
    """mutmut's names for the mutants of the target's functions (empty: every mutant)."""
    globs = []
    for pattern in target.files if target.functions else []:
        for function in target.functions:
            if "." in function:
                cls, method = function.split(".", 1)
                name = f"xǁ{cls}ǁ{method}"
            else:
                name = f"x_{function}"
            globs.append(f"{module_of(pattern)}.{name}__mutmut_*")
    return globs


def prepare(name: str, target: Target, *, fresh: bool = True) -> Path:
    """The work folder (emptied first when ``fresh``): the repository's files (linked, mutmut
    copies them) and a pyproject.toml with the repository's pytest settings and this target's
    mutmut settings."""
    work = WORK / name
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for entry in ("src", "tests", "README.md", "docs"):
        if not (work / entry).is_symlink():
            (work / entry).symlink_to(ROOT / entry)
    # Each mutant's tests are a new pytest session. On the default in-memory SQLite test
    # database each would create the schema and load the geography again (seconds); a test
    # database in a file, kept between sessions (--reuse-db), is created once.
    (work / "mutate_settings.py").write_text(
        "from cdphub.config.settings.test import *  # noqa: F403\n"
        f"DATABASES['default']['TEST'] = {{'NAME': {str(work / 'test-db.sqlite3')!r}}}  # noqa: F405\n",
        encoding="utf-8")
    # mutmut learns which tests run a function by watching each test call it. A function whose
    # result is cached (functools.cache) runs in the first test that needs it only, so the
    # others would never be tried against its mutants: empty the target's caches before each.
    modules = sorted({module_of(path).rsplit(".", 1)[0] if "*" in path else module_of(path)
                      for path in target.files})
    (work / "mutate_plugin.py").write_text(
        '"""pytest plugin for ./dev mutate: empty the mutated modules\' caches before each test."""\n'
        "import sys\n\n"
        f"PREFIXES = {tuple(modules)!r}\n\n\n"
        "def pytest_runtest_setup(item):\n"
        "    for name, module in list(sys.modules.items()):\n"
        "        if name.startswith(PREFIXES):\n"
        "            for value in list(vars(module).values()):\n"
        "                clear = getattr(value, 'cache_clear', None)\n"
        "                if callable(clear) and getattr(value, '__module__', '') == name:\n"
        "                    clear()\n",
        encoding="utf-8")
    settings = {
        "source_paths": ["src/"],
        "also_copy": ["README.md", "docs", "mutate_settings.py", "mutate_plugin.py"],
        "only_mutate": target.files,
        "do_not_mutate": target.skip_files,
        "pytest_add_cli_args_test_selection": target.tests,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-p", "mutate_plugin",
                                "--ds=mutate_settings", "--reuse-db"],
        # Fork each mutant's test run from a clean server process, not from the one that ran
        # the tests once to map functions to tests: Polars' thread pool does not survive a
        # fork, so children of that process can hang.
        "process_isolation": "forkserver",
        "forkserver_warmup": "collect",
    }
    mutmut_section = "\n[tool.mutmut]\n" + "".join(
        f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in settings.items())
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(pyproject + mutmut_section, encoding="utf-8")
    return work


def results(work: Path) -> dict[str, str]:
    """Every mutant's verdict, from ``mutmut results --all true``."""
    done = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=work, check=True,
                          capture_output=True, text=True)
    verdicts = {}
    for line in done.stdout.splitlines():
        match = re.fullmatch(r"\s+(\S+): (.+)", line)
        if match:
            verdicts[match.group(1)] = match.group(2).strip()
    return verdicts


# Run in the work folder by mutmut's Python: each mutant's diff, as "name<TAB>was  →  now".
DIFFS = """
import sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant

for name in sys.argv[1:]:
    diff = get_diff_for_mutant(name, path=find_mutant(name).path).splitlines()
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    was = " / ".join(line[1:].strip() for line in changed if line.startswith("-"))
    now = " / ".join(line[1:].strip() for line in changed if line.startswith("+"))
    print(f"{name}\t{was}  \u2192  {now}")
"""


def one_line_diffs(work: Path, mutants: list[str]) -> dict[str, str]:
    """Each mutant's change on one line (one process for all: ``mutmut show`` takes a second
    each)."""
    if not mutants:
        return {}
    done = subprocess.run([str(MUTMUT.with_name("python")), "-c", DIFFS, *mutants], cwd=work,
                          capture_output=True, text=True, check=False)
    diffs = dict(line.split("\t", 1) for line in done.stdout.splitlines() if "\t" in line)
    return {mutant: diffs.get(mutant, "(see: mutmut show)") for mutant in mutants}


def run(name: str, target: Target, only: list[str] | None = None) -> dict[str, int]:
    """Mutate the target (afresh), or again only the mutants ``only`` names (in its folder)."""
    work = WORK / name
    if only and (work / "mutants").is_dir():
        prepare(name, target, fresh=False)
        globs = only
    else:
        if only:
            print(f"No earlier run of {name} to repeat mutants of: running it whole.")
        work = prepare(name, target)
        globs = mutant_globs(target)
    print(f"\n=== {name}: mutating {', '.join(target.files)} against {' '.join(target.tests)}",
          flush=True)
    if target.why_skipped:
        print(f"    (not mutated: {target.why_skipped})", flush=True)
    started = time.monotonic()
    log = work / "mutmut.log"
    with log.open("a", encoding="utf-8") as out:
        code = subprocess.run(["nice", "-n", "19", str(MUTMUT), "run", "--max-children", "1",
                               *globs], cwd=work, stdout=out, stderr=subprocess.STDOUT,
                              check=False).returncode
    minutes = (time.monotonic() - started) / 60
    if code != 0:
        print(f"mutmut failed (exit {code}); its output is in {log.relative_to(ROOT)}")
        return {}
    verdicts = results(work)
    if globs:
        verdicts = {k: v for k, v in verdicts.items() if any(_match(k, g) for g in globs)}
    survivors = sorted(k for k, v in verdicts.items() if v not in CAUGHT)
    diffs = one_line_diffs(work, survivors)
    for mutant in survivors:
        print(f"  {verdicts[mutant]:>9}  {mutant}\n             {diffs[mutant]}")
    counts: dict[str, int] = {}
    for verdict in verdicts.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    caught = sum(n for verdict, n in counts.items() if verdict in CAUGHT)
    total = len(verdicts)
    rate = 100 * caught / total if total else 0.0
    detail = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    print(f"=== {name}: {caught} of {total} mutants killed ({rate:.1f}%) in {minutes:.0f} min"
          f" [{detail}]", flush=True)
    return {"caught": caught, "total": total}


def _match(name: str, glob: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(name, glob)


def main(argv: list[str]) -> int:
    names = [a for a in argv if a in TARGETS]
    only = [a for a in argv if a not in TARGETS]
    if only and len(names) != 1 or any("." not in a and "*" not in a for a in only):
        print(f"Usage: ./dev mutate [{'|'.join(TARGETS)} ...], or ./dev mutate TARGET "
              "MUTANT_NAME ... (mutmut's names; * matches anything)", file=sys.stderr)
        return 2
    os.environ.setdefault("POLARS_MAX_THREADS", "1")  # one core for the whole run
    summary = {}
    for name in names or list(TARGETS):
        summary[name] = run(name, TARGETS[name], only)
    print()
    failed = False
    for name, counts in summary.items():
        if not counts:
            print(f"{name}: mutmut did not finish")
            failed = True
            continue
        rate = 100 * counts["caught"] / counts["total"] if counts["total"] else 0.0
        print(f"{name}: {counts['caught']}/{counts['total']} killed ({rate:.1f}%)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
