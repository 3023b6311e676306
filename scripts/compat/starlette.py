#!/usr/bin/env python3
"""Run Starlette's own test suite twice: on Starlette's TestClient (the baseline) and with its
``tests/conftest.py`` fixture ``test_client_factory`` pointing at ``asgitest.TestClient``.

``--project fastapi`` does the same for FastAPI's suite (the sdist of 0.141.1 holds ``tests/``
and ``docs_src/``): every ``from fastapi.testclient import TestClient`` (and Starlette's) in
them is rewritten to ``from asgitest import TestClient``.

Both runs use the same venv (starlette==1.3.1 and its test dependencies) and the same checkout
of Starlette's sources (the sdist of 1.3.1 holds ``tests/``). Every test runs on asyncio and
trio (Starlette's own ``anyio_backend`` parametrisation). Prints a table: passed in each run,
and every test whose outcome differs.

    python3.11 -m venv /work/compat-venvs/starlette
    /work/compat-venvs/starlette/bin/pip install starlette==1.3.1 itsdangerous jinja2 \\
        python-multipart pyyaml "httpx2[zstd]==2.2.0" anyio==4.13.0 \
        pytest==9.0.3 trio==0.33.0 asgiref
    pip download starlette==1.3.1 --no-binary :all: --no-deps -d /tmp/sdist
    tar xzf /tmp/sdist/starlette-1.3.1.tar.gz -C /work/compat-src
    scripts/compat/starlette.py [--src DIR] [--venv DIR] [-- PYTEST ARGS]

Nothing fetched is committed: the sources stay in --src, the copies in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASGITEST = HERE.parent.parent
FACTORY_IMPORT = "from starlette.testclient import TestClient"


def outcomes(junit: Path) -> dict[str, str]:
    results: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        results[name] = outcome
    return results


FASTAPI_IMPORTS = (
    "from fastapi.testclient import TestClient",
    "from starlette.testclient import TestClient",
)


def run(
    src: Path, venv: Path, asgitest: bool, extra: list[str], keep: bool, project: str
) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix=f"{project}-compat-"))
    try:
        names = ("tests", "pyproject.toml") + (("docs_src",) if project == "fastapi" else ())
        for name in names:
            source = src / name
            if source.is_dir():
                shutil.copytree(source, work / name)
            else:
                shutil.copy(source, work / name)
        if asgitest and project == "fastapi":
            for path in [*work.glob("tests/**/*.py"), *work.glob("docs_src/**/*.py")]:
                text = path.read_text()
                changed = text
                for line in FASTAPI_IMPORTS:
                    changed = changed.replace(line, "from asgitest import TestClient")
                if changed != text:
                    path.write_text(changed)
        elif asgitest:
            conftest = work / "tests" / "conftest.py"
            text = conftest.read_text()
            assert FACTORY_IMPORT in text, "tests/conftest.py no longer imports TestClient"
            conftest.write_text(text.replace(FACTORY_IMPORT, "from asgitest import TestClient"))
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ASGITEST) if asgitest else ""
        junit = work / "junit.xml"
        command = [
            str(venv / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "tests",
            *extra,
        ]
        subprocess.run(command, cwd=work, env=env, check=False)
        return outcomes(junit)
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", choices=("starlette", "fastapi"), default="starlette")
    parser.add_argument("--src", type=Path, help="the sdist's folder (default per project)")
    parser.add_argument("--venv", type=Path, help="default /work/compat-venvs/<project>")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to both pytest runs")
    args = parser.parse_args()
    version = {"starlette": "starlette-1.3.1", "fastapi": "fastapi-0.141.1"}[args.project]
    src = args.src or Path("/work/compat-src") / version
    venv = args.venv or Path("/work/compat-venvs") / args.project
    baseline = run(src, venv, False, args.pytest_args, args.keep, args.project)
    ours = run(src, venv, True, args.pytest_args, args.keep, args.project)

    def count(results: dict[str, str]) -> int:
        return sum(1 for outcome in results.values() if outcome == "passed")

    print()
    print("| run | passed | total |")
    print("| --- | --- | --- |")
    print(f"| {args.project}'s TestClient (baseline) | {count(baseline)} | {len(baseline)} |")
    print(f"| asgitest.TestClient | {count(ours)} | {len(ours)} |")
    differences = sorted(
        name for name in baseline.keys() | ours.keys() if baseline.get(name) != ours.get(name)
    )
    print(f"\n{len(differences)} differences:")
    for name in differences:
        print(f"  {name}: baseline {baseline.get(name)}, asgitest {ours.get(name)}")
    regressions = [name for name in differences if baseline.get(name) == "passed"]
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
