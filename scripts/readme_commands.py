"""Run every command of the README's console blocks, as written, in order.

Used by ``.ci/run`` so that the README stays true: a command that fails, or whose output no
longer matches the output the README shows under it, fails CI.

A console block is a fenced block with the ``console`` language. In it, a line that starts with
``$ `` is a command, and the lines up to the next command are the output it must print
(compared line by line, trailing spaces ignored). A block without any ``$ `` line holds one
command per line and shows no output. Commands run with bash, from the repository root, in the
environment this script was started in (``.ci/run`` activates the virtual environment first).

    python scripts/readme_commands.py [README.md] [--list]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Command:
    """One command of the README, with the output it shows (if any)."""

    line: int
    text: str
    output: list[str] | None = field(default=None)


def commands(readme: str) -> list[Command]:
    """Every command of every console block, in order."""
    found: list[Command] = []
    for match in _FENCE.finditer(readme):
        start = readme.count("\n", 0, match.start(1)) + 1
        lines = match.group(1).splitlines()
        if not any(line.startswith("$ ") for line in lines):
            found.extend(
                Command(start + index, line) for index, line in enumerate(lines) if line.strip()
            )
            continue
        current: Command | None = None
        for index, line in enumerate(lines):
            if line.startswith("$ "):
                current = Command(start + index, line[2:], output=[])
                found.append(current)
            elif current is not None and current.output is not None:
                current.output.append(line)
    return found


def _same(expected: list[str], got: str) -> bool:
    want = [line.rstrip() for line in expected]
    have = [line.rstrip() for line in got.splitlines()]
    while want and not want[-1]:
        want.pop()
    while have and not have[-1]:
        have.pop()
    return want == have


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("readme", nargs="?", default=str(ROOT / "README.md"))
    parser.add_argument("--list", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    readme = Path(args.readme)
    found = commands(readme.read_text(encoding="utf-8"))
    if not found:
        print(f"no console commands in {readme}", file=sys.stderr)
        return 1
    for command in found:
        where = f"{readme.name}:{command.line}"
        if args.list:
            print(f"{where}: {command.text}")
            continue
        print(f"== {where}: {command.text}", flush=True)
        started = time.monotonic()
        result = subprocess.run(
            ["bash", "-c", command.text],
            cwd=ROOT,
            stdout=subprocess.PIPE if command.output is not None else None,
            text=True,
            check=False,
        )
        took = time.monotonic() - started
        if result.returncode != 0:
            print(f"FAILED ({result.returncode}) after {took:.0f}s: {where}: {command.text}")
            return 1
        if command.output is not None:
            if not _same(command.output, result.stdout):
                print(f"FAILED: {where}: the output differs from the README's.")
                print("README shows:\n" + "\n".join(command.output))
                print("It printed:\n" + result.stdout)
                return 1
            sys.stdout.write(result.stdout)
        print(f"== ok ({took:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
