"""No file in the repository refers to a path outside it (the machine it was made on, a
sibling folder of notes or data): a reader of the repository has none of them."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = (b"../shared", b"shared/data", b"shared/METHODS", b"shared/DESIGN", b"shared/seeds",
           b"/work/")


def tracked_files() -> list[str]:
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,  # noqa: S603,S607
                             capture_output=True).stdout
    return [name for name in listing.decode().split("\0") if name]


def test_no_tracked_file_refers_to_a_path_outside_the_repository():
    files = tracked_files()
    assert "README.md" in files and "pyproject.toml" in files
    found = []
    for name in files:
        if name == "tests/test_repository_paths.py":
            continue
        path = ROOT / name
        if not path.is_file():  # deleted in the working tree but not yet from the index
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            found += [f"{name}:{number}: {text.decode()}" for text in OUTSIDE if text in line]
    assert not found, "References to paths outside the repository:\n" + "\n".join(found)
