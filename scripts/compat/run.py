#!/usr/bin/env python3
"""Run the compatibility corpus: third-party Channels test suites on channels.testing, then on
asgitest with their ``channels.testing`` imports rewritten.

Usage:
    scripts/compat/run.py [PROJECT ...] [--src DIR] [--asgitest DIR] [--strict LEVEL]
                          [--show-failures] [--setup] [--rerun-baseline] [-- PYTEST ARGS]

For each project of scripts/compat/projects.py (all of them by default):

1. checks that DIR/<name> (default /work/compat-src/<name>) is a checkout of the pinned tag,
   and says how to get it when it is not (``--setup`` clones it from /work/.mirror when the
   search tool's ``fetch`` has brought the repository there);
2. creates, or reuses, a venv /work/compat-venvs/<name> with the project's test
   dependencies (pinned in projects.py), asgitest's runtime dependencies and pytest-timeout;
   it is rebuilt when that list changes. Nothing is downloaded after this step;
3. copies the checkout twice into a temporary directory; in the second copy every
   ``from channels.testing[.websocket|.http|.application] import ...``,
   ``import channels.testing`` and ``channels.testing.X`` reference becomes asgitest's
   (a real textual rewrite, listed in the log);
4. runs the suite in the first copy with channels.testing (``-p no:asgitest``, no asgitest on
   the path) and in the second with asgitest from the ``--asgitest`` checkout (default
   /work/main) first on PYTHONPATH and its pytest plugin loaded (``-p asgitest.pytest_plugin``,
   as an installed asgitest would), one suite at a time;
5. prints a table (tests collected, passed on each) and every test whose outcome differs,
   with the first line of its failure.

The baseline does not depend on asgitest: its result is kept in /work/compat-logs/<name>/ and
reused while the project, its dependencies and the extra arguments stay the same
(``--rerun-baseline`` forces a new one). Full logs and JSON outcomes are kept there too, and
the last run's summary in /work/compat-logs/summary.json.

``--strict LEVEL`` (error, pedantic, warn, off): asgitest's communicators read no global
default strictness (``strict=`` is per instance; the ``asgi_strict`` ini option and
``--asgi-strict`` only configure the ``asgi_*`` fixtures), so the rewrite then targets
helpers/asgitest_compat_strict.py, which subclasses the three communicators with another
default for ``strict``.

Exit status: 0 unless a test that passes on channels.testing does not pass on asgitest (apart
from the differences projects.py lists as intended or as the project's own spec violations).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from projects import PROJECTS, Project, by_name  # noqa: E402

HELPERS = HERE / "helpers"
DEFAULT_SRC = Path("/work/compat-src")
DEFAULT_VENVS = Path("/work/compat-venvs")
DEFAULT_LOGS = Path("/work/compat-logs")
DEFAULT_ASGITEST = HERE.parent.parent  # the checkout this script is in (/work/main)
MIRRORS = Path("/work/.mirror")
PYENV = Path.home() / ".pyenv" / "versions"
PER_TEST_TIMEOUT = 120  # seconds (pytest-timeout): a hang fails one test, not the run
RUNNER_TOOLS = ("pytest-timeout==2.4.0",)
PASSING = ("passed", "xfailed")

# ---------------------------------------------------------------------------- the rewrite

SUBMODULES = r"(?:\.(?:websocket|http|application|live))?"
FROM_IMPORT = re.compile(rf"^(\s*)from\s+channels\.testing{SUBMODULES}\s+import\b")
IMPORT_AS = re.compile(rf"^(\s*)import\s+channels\.testing{SUBMODULES}\s+as\s+(\w+)\s*(#.*)?$")
IMPORT_PLAIN = re.compile(rf"^(\s*)import\s+channels\.testing{SUBMODULES}\s*(#.*)?$")
FROM_CHANNELS = re.compile(r"^(\s*)from\s+channels\s+import\s+testing\s*(#.*)?$")
ATTRIBUTE = re.compile(rf"\bchannels\.testing{SUBMODULES}\.(?=[A-Za-z_])")


@dataclasses.dataclass
class Rewrite:
    path: str
    lineno: int
    old: str
    new: str


def rewrite_line(line: str, target: str) -> str:
    if line.lstrip().startswith("#"):
        return line
    match = FROM_IMPORT.match(line)
    if match:
        return f"{match.group(1)}from {target} import" + line[match.end() :]
    match = IMPORT_AS.match(line)
    if match:
        return f"{match.group(1)}import {target} as {match.group(2)}"
    match = IMPORT_PLAIN.match(line)
    if match:
        # `import channels.testing` binds `channels` and, through channels.testing.live,
        # imports channels.routing: code that then reads `channels.routing` (e.g.
        # channels_graphql_ws' conftest) relies on both, so the rewrite keeps them.
        return f"{match.group(1)}import channels.routing, {target}"
    match = FROM_CHANNELS.match(line)
    if match:
        return f"{match.group(1)}import {target} as testing"
    return ATTRIBUTE.sub(f"{target}.", line)


def rewrite_tree(root: Path, subdirs: tuple[str, ...], target: str) -> list[Rewrite]:
    done: list[Rewrite] = []
    for subdir in subdirs:
        for path in sorted((root / subdir).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "channels" not in text or "testing" not in text:
                continue
            lines = text.splitlines(keepends=True)
            changed = False
            for index, line in enumerate(lines):
                body = line.rstrip("\r\n")
                new = rewrite_line(body, target)
                if new != body:
                    lines[index] = new + line[len(body) :]
                    done.append(Rewrite(str(path.relative_to(root)), index + 1, body, new))
                    changed = True
            if changed:
                path.write_text("".join(lines), encoding="utf-8")
    return done


# ---------------------------------------------------------------------------- checkouts


def checkout_problem(project: Project, src: Path) -> str | None:
    """None if src/<name> is a checkout of the pinned tag, else what to do about it."""
    where = src / project.name
    mirror = MIRRORS / project.mirror_name / "repo"
    how = (
        f"get {project.repo} at tag {project.tag}:\n"
        f"  1. bring the repository here: the search tool's fetch, source "
        f"github:{project.repo}, gives {mirror}\n"
        f"  2. git clone {mirror} {where} && git -C {where} checkout {project.tag}\n"
        f"     (or run this script with --setup, which does step 2), or anywhere GitHub is "
        f"reachable:\n"
        f"     git clone --branch {project.tag} https://github.com/{project.repo} {where}"
    )
    if not where.is_dir():
        return f"missing checkout {where}: {how}"
    probe = subprocess.run(
        ["git", "-C", str(where), "describe", "--tags", "--exact-match", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = probe.stdout.strip()
    if probe.returncode != 0 or found != project.tag:
        return (
            f"{where} is not at tag {project.tag} (git describe: {found or probe.stderr.strip()})"
            f": run  git -C {where} checkout {project.tag}"
        )
    return None


def setup_checkout(project: Project, src: Path) -> None:
    where = src / project.name
    mirror = MIRRORS / project.mirror_name / "repo"
    if not where.exists():
        if not mirror.is_dir():
            print(f"  no mirror {mirror}: fetch github:{project.repo} with the search tool first")
            return
        src.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", str(mirror), str(where)], check=True)
    subprocess.run(
        ["git", "-C", str(where), "-c", "advice.detachedHead=false", "checkout", "-q", project.tag],
        check=True,
    )


# ---------------------------------------------------------------------------- venvs


def find_python(version: str) -> Path:
    candidates = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    if candidates:
        return candidates[-1]
    found = shutil.which(f"python{version}")
    if found:
        return Path(found)
    raise SystemExit(f"no Python {version} found (looked in {PYENV} and on PATH)")


def asgitest_requirements(checkout: Path) -> list[str]:
    data = tomllib.loads((checkout / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"].get("dependencies", []))


def ensure_venv(project: Project, venvs: Path, asgitest: Path, reinstall: bool) -> Path:
    venv = venvs / project.name
    python = find_python(project.python)
    requirements = [*project.requirements, *asgitest_requirements(asgitest), *RUNNER_TOOLS]
    stamp = {"python": str(python), "requirements": requirements}
    stamp_file = venv / "compat-stamp.json"
    if not reinstall and stamp_file.is_file():
        if json.loads(stamp_file.read_text()) == stamp:
            return venv
    if venv.exists():
        shutil.rmtree(venv)
    print(f"  creating {venv} (Python {project.python}): {' '.join(requirements)}", flush=True)
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    with (venv / "compat-pip.log").open("w") as pip_log:
        installed = subprocess.run(
            [*pip, "install", *requirements], stdout=pip_log, stderr=subprocess.STDOUT, check=False
        )
    if installed.returncode != 0:
        tail = (venv / "compat-pip.log").read_text().splitlines()[-20:]
        stamp_file.unlink(missing_ok=True)
        raise SystemExit(f"pip install failed for {project.name}:\n" + "\n".join(tail))
    frozen = subprocess.run([*pip, "freeze"], capture_output=True, text=True, check=True)
    (venv / "compat-freeze.txt").write_text(frozen.stdout)
    stamp_file.write_text(json.dumps(stamp, indent=1))
    return venv


# ---------------------------------------------------------------------------- running


@dataclasses.dataclass
class RunResult:
    collected: int
    tests: dict[str, dict[str, str]]
    seconds: float
    returncode: int
    note: str = ""
    channels_testing_imported: bool = False

    def count(self, *outcomes: str) -> int:
        return sum(1 for entry in self.tests.values() if entry["outcome"] in outcomes)


def copy_tree(source: Path, destination: Path) -> None:
    shutil.copytree(
        source,
        destination,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", "__pycache__", "*.pyc", ".pytest_cache", ".tox", ".nox", ".venv", "*.sqlite3"
        ),
    )


def command_for(project: Project, venv: Path, swapped: bool, extra: list[str]) -> list[str]:
    python = str(venv / "bin" / "python")
    if project.runner == "django":
        return [
            python,
            "manage.py",
            "test",
            "--noinput",
            "-v",
            "2",
            "--testrunner=compat_django_runner.JsonRunner",
            *project.args,
            *extra,
        ]
    plugin = ["-p", "asgitest.pytest_plugin"] if swapped else ["-p", "no:asgitest"]
    return [
        python,
        "-m",
        "pytest",
        "-p",
        "compat_pytest_report",
        "-p",
        "no:cacheprovider",
        *plugin,
        f"--timeout={PER_TEST_TIMEOUT}",
        "-rfE",
        *project.args,
        *extra,
    ]


def run_suite(
    project: Project,
    venv: Path,
    copy: Path,
    swapped: bool,
    asgitest: Path,
    strict: str | None,
    extra: list[str],
    log: Path,
) -> RunResult:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    paths = [str(HELPERS), *(str((copy / part).resolve()) for part in project.pythonpath)]
    if swapped:
        paths.append(str(asgitest))
        if strict:
            env["ASGITEST_COMPAT_STRICT"] = strict
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(dict(project.env))
    report = log.with_suffix(".json")
    report.unlink(missing_ok=True)
    env["COMPAT_REPORT"] = str(report)
    command = command_for(project, venv, swapped, extra)
    label = "asgitest" if swapped else "channels.testing"
    print(f"  {label}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as output:
        output.write(f"$ cd {copy} && PYTHONPATH={env['PYTHONPATH']} {' '.join(command)}\n\n")
        output.flush()
        try:
            done = subprocess.run(
                command,
                cwd=copy,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=project.timeout,
                check=False,
            )
            returncode = done.returncode
        except subprocess.TimeoutExpired:
            returncode = -1
    seconds = time.perf_counter() - started
    if not report.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        note = "no result file (the run crashed or timed out): " + " | ".join(tail)
        return RunResult(0, {}, seconds, returncode, note=note)
    data = json.loads(report.read_text(encoding="utf-8"))
    note = "" if returncode != -1 else f"stopped after {project.timeout} s"
    return RunResult(
        data["collected"],
        data["tests"],
        seconds,
        returncode,
        note,
        data.get("channels_testing_imported", False),
    )


def baseline_key(project: Project, venv: Path, extra: list[str]) -> str:
    stamp = (venv / "compat-stamp.json").read_text()
    raw = json.dumps([dataclasses.asdict(project), stamp, extra], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def load_cached(logs: Path, key: str) -> RunResult | None:
    meta = logs / "baseline.meta.json"
    if not meta.is_file():
        return None
    data = json.loads(meta.read_text())
    if data.get("key") != key:
        return None
    return RunResult(**data["result"])


# ---------------------------------------------------------------------------- reporting


def classify(project: Project, nodeid: str, before: str, after: str) -> str:
    expected = dict(project.expected)
    violations = dict(project.spec_violations)
    if nodeid in expected:
        return f"intended: {expected[nodeid]}"
    if after in PASSING and before not in PASSING:
        return "passes only on asgitest"
    if nodeid in violations:
        return f"the project's own app breaks the spec: {violations[nodeid]}"
    if before in PASSING:
        return "REGRESSION"
    return "other change"


def differences(
    project: Project, base: RunResult, swapped: RunResult
) -> list[tuple[str, str, str, str]]:
    rows = []
    for nodeid in sorted(base.tests.keys() | swapped.tests.keys()):
        before = base.tests.get(nodeid, {}).get("outcome", "-")
        after = swapped.tests.get(nodeid, {}).get("outcome", "-")
        if before != after and not {before, after} <= {"skipped", "-"}:
            rows.append((nodeid, before, after, classify(project, nodeid, before, after)))
    return rows


def print_table(rows: list[dict[str, object]]) -> None:
    header = (
        f"{'project':<28}{'tag':<12}{'collected':>10}{'passed ch.t':>13}{'passed asgt':>13}"
        f"{'regressions':>13}{'s ch.t':>8}{'s asgt':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        collected = str(row["collected"])
        if row["collected_asgitest"] != row["collected"]:
            collected = f"{row['collected']}/{row['collected_asgitest']}"
        print(
            f"{row['project']:<28}{row['tag']:<12}{collected:>10}{row['passed_baseline']:>13}"
            f"{row['passed_asgitest']:>13}{row['regressions']:>13}"
            f"{row['seconds_baseline']:>8.1f}{row['seconds_asgitest']:>8.1f}"
        )


# ---------------------------------------------------------------------------- main


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("projects", nargs="*", help="project names (default: all)")
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="where checkouts live")
    parser.add_argument("--venvs", type=Path, default=DEFAULT_VENVS, help="where venvs live")
    parser.add_argument("--logs", type=Path, default=DEFAULT_LOGS, help="logs and results")
    parser.add_argument(
        "--asgitest", type=Path, default=DEFAULT_ASGITEST, help="the asgitest checkout to test"
    )
    parser.add_argument(
        "--strict",
        choices=["error", "pedantic", "warn", "off"],
        help="default strictness of the rewritten communicators (default: asgitest's own)",
    )
    parser.add_argument(
        "--show-failures",
        action="store_true",
        help="print the asgitest failure report of every test whose outcome differs",
    )
    parser.add_argument("--setup", action="store_true", help="clone missing checkouts and exit")
    parser.add_argument("--list", action="store_true", help="list the projects and exit")
    parser.add_argument("--reinstall", action="store_true", help="rebuild the venvs")
    parser.add_argument(
        "--rerun-baseline", action="store_true", help="do not reuse a cached baseline"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    args = parser.parse_args(own)

    try:
        projects = [by_name(name) for name in args.projects] if args.projects else list(PROJECTS)
    except KeyError as error:
        parser.error(str(error))
    if args.list:
        for project in projects:
            problem = checkout_problem(project, args.src)
            state = "ok" if problem is None else "MISSING"
            print(f"{project.name:<28}{project.repo} @ {project.tag}  [{state}]\n    {project.why}")
        return 0
    if args.setup:
        for project in projects:
            print(f"{project.name}:")
            setup_checkout(project, args.src)
            problem = checkout_problem(project, args.src)
            print(f"  {problem or 'ok'}")
        return 0

    asgitest = args.asgitest.resolve()
    if not (asgitest / "asgitest" / "__init__.py").is_file():
        parser.error(f"{asgitest} is not an asgitest checkout")
    commit = subprocess.run(
        ["git", "-C", str(asgitest), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    target = "asgitest_compat_strict" if args.strict else "asgitest"
    print(f"asgitest: {asgitest} ({commit or 'not a git checkout'}), imports -> {target}")

    rows: list[dict[str, object]] = []
    summary: dict[str, object] = {"asgitest": str(asgitest), "commit": commit, "projects": {}}
    worse = False
    problems = []
    for project in projects:
        problem = checkout_problem(project, args.src)
        if problem:
            problems.append(f"{project.name}: {problem}")
            print(f"\n== {project.name}: skipped\n{problem}")
            continue
        print(f"\n== {project.name} ({project.repo} @ {project.tag})", flush=True)
        venv = ensure_venv(project, args.venvs, asgitest, args.reinstall)
        logs = args.logs / project.name
        logs.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"compat-{project.name}-"))
        try:
            key = baseline_key(project, venv, extra)
            base = None if args.rerun_baseline else load_cached(logs, key)
            if base is not None:
                print("  channels.testing: reusing the cached baseline (--rerun-baseline to redo)")
            else:
                copy_tree(args.src / project.name, scratch / "baseline")
                base = run_suite(
                    project, venv, scratch / "baseline", False, asgitest, None, extra,
                    logs / "baseline.log",
                )  # fmt: skip
                if base.tests:
                    meta = {"key": key, "result": dataclasses.asdict(base)}
                    (logs / "baseline.meta.json").write_text(json.dumps(meta))
            copy_tree(args.src / project.name, scratch / "asgitest")
            rewrites = rewrite_tree(scratch / "asgitest", project.rewrite, target)
            with (logs / "rewrite.txt").open("w", encoding="utf-8") as handle:
                for item in rewrites:
                    handle.write(f"{item.path}:{item.lineno}\n  - {item.old}\n  + {item.new}\n")
            print(f"  rewrite: {len(rewrites)} lines in {len({r.path for r in rewrites})} files")
            if not rewrites:
                print("  error: no channels.testing reference found; the comparison is moot")
                worse = True
                continue
            swapped = run_suite(
                project, venv, scratch / "asgitest", True, asgitest, args.strict, extra,
                logs / "asgitest.log",
            )  # fmt: skip
        finally:
            if args.keep:
                print(f"  copies kept in {scratch}")
            else:
                shutil.rmtree(scratch, ignore_errors=True)

        for label, result in (("channels.testing", base), ("asgitest", swapped)):
            if result.note:
                print(f"  {label}: {result.note}")
        if swapped.channels_testing_imported:
            print("  note: channels.testing was still imported during the asgitest run")
        diffs = differences(project, base, swapped)
        regressions = [row for row in diffs if row[3] == "REGRESSION"]
        worse = worse or bool(regressions) or not swapped.tests
        rows.append(
            {
                "project": project.name,
                "tag": project.tag,
                "collected": base.collected,
                "collected_asgitest": swapped.collected,
                "passed_baseline": base.count(*PASSING),
                "passed_asgitest": swapped.count(*PASSING),
                "regressions": len(regressions),
                "seconds_baseline": base.seconds,
                "seconds_asgitest": swapped.seconds,
            }
        )
        if diffs:
            print("  tests whose outcome differs (channels.testing -> asgitest):")
        for nodeid, before, after, marker in diffs:
            entry = swapped.tests.get(nodeid, {})
            first = entry.get("message", "") if after not in PASSING else ""
            print(f"    {nodeid}: {before} -> {after} [{marker}]")
            if first:
                print(f"        {first[:300]}")
            if args.show_failures and entry.get("text") and after not in PASSING:
                text = entry["text"].splitlines()
                print("        | " + "\n        | ".join(text[-80:]))
        summary["projects"][project.name] = {  # type: ignore[index]
            **rows[-1],
            "differences": [
                {
                    "test": nodeid,
                    "baseline": before,
                    "asgitest": after,
                    "kind": marker,
                    "message": swapped.tests.get(nodeid, {}).get("message", ""),
                    "where": swapped.tests.get(nodeid, {}).get("where", ""),
                }
                for nodeid, before, after, marker in diffs
            ],
        }

    print()
    if rows:
        print_table(rows)
    for problem in problems:
        print(f"\nnot run: {problem}")
    args.logs.mkdir(parents=True, exist_ok=True)
    (args.logs / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"\nlogs, outcomes, rewrites: {args.logs}/<project>/; summary: {args.logs}/summary.json")
    return 1 if worse or problems else 0


if __name__ == "__main__":
    sys.exit(main())
