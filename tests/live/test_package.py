"""asgitest/_live/ as a package: what importing it costs, and how it hangs together."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import asgitest

PACKAGE = Path(asgitest.__file__).parent
LIVE = PACKAGE / "_live"


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_asgitest_imports_no_server_and_no_framework() -> None:
    result = _run_python(
        """
        import sys
        import asgitest
        heavy = [
            "django", "channels", "daphne", "twisted", "uvicorn", "hypercorn", "granian",
            "pytest",
        ]
        print([name for name in heavy if name in sys.modules])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_live_server_imports_no_server_no_framework_and_no_pytest() -> None:
    result = _run_python(
        """
        import sys
        from asgitest import LiveServer
        heavy = [
            "django", "channels", "daphne", "twisted", "uvicorn", "hypercorn", "granian",
            "pytest",
        ]
        print(LiveServer.__module__, [name for name in heavy if name in sys.modules])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "asgitest []"


def test_channels_live_server_test_case_needs_no_daphne() -> None:
    result = _run_python(
        """
        import sys
        sys.modules["daphne"] = None  # as if it were not installed: importing it fails
        import asgitest
        from asgitest import ChannelsLiveServerTestCase
        from django.test import TransactionTestCase
        assert issubclass(ChannelsLiveServerTestCase, TransactionTestCase)
        assert ChannelsLiveServerTestCase.host == "localhost"
        assert ChannelsLiveServerTestCase.serve_static is True
        print(ChannelsLiveServerTestCase.__module__, sys.modules["daphne"])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "asgitest None"


def _imports(path: Path, package: str) -> list[tuple[str, str]]:
    """(module, name) for every import in a file, type-only ones included, made absolute."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found += [(module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_circle_in_the_package_type_only_imports_included() -> None:
    graph: dict[str, set[str]] = {}
    for path in sorted(LIVE.glob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for module, imported in _imports(path, package):
            for candidate in (f"{module}.{imported}", module):
                if candidate.startswith("asgitest._live.") and candidate != name:
                    targets.add(candidate)
                    break
        graph[name] = targets

    def visit(name: str, trail: list[str]) -> None:
        assert name not in trail, "import circle: " + " -> ".join([*trail, name])
        for target in graph.get(name, ()):
            visit(target, [*trail, name])

    for name in graph:
        if name != "asgitest._live":  # the front door imports its rooms, never the reverse
            visit(name, [])
    assert not any("asgitest._live" in targets for targets in graph.values())


def test_nothing_outside_the_package_uses_its_private_names() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if LIVE in path.parents:
            continue
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for module, imported in _imports(path, package):
            if module.startswith("asgitest._live.") or (
                module == "asgitest._live" and imported.startswith("_")
            ):
                offenders.append(f"{name}: from {module} import {imported}")
    assert offenders == []
