"""Check that the floors run tests what pyproject.toml declares.

Every package pinned in scripts/floors.txt must be installed at exactly that version, and
the pin must be the lower bound (``>=``) pyproject.toml declares for it (in the runtime
dependencies or the dev extra). Run by .ci/run in the floors venv; exits 1 with the
mismatches.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "scripts" / "floors.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            pins[_name(name)] = pinned.strip()
    return pins


def _declared_floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    floors = {}
    for requirement in requirements:
        found = re.match(r"\s*([A-Za-z0-9_.\-]+)(?:\[[^]]*\])?\s*>=\s*([^,;\s]+)", requirement)
        if found:
            floors[_name(found.group(1))] = found.group(2)
    return floors


def main() -> int:
    problems = []
    declared = _declared_floors()
    for name, pinned in _pins().items():
        if declared.get(name) != pinned:
            problems.append(
                f"{name}: scripts/floors.txt pins {pinned}, pyproject.toml declares "
                f">={declared.get(name, '(no lower bound)')}"
            )
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "(not installed)"
        if installed != pinned:
            problems.append(f"{name}: {installed} is installed, the floor is {pinned}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("floors: " + ", ".join(f"{n}=={v}" for n, v in sorted(_pins().items())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
