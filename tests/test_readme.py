"""The README's commands are the ones CI runs (scripts/readme_commands.py, from .ci/run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load() -> object:
    spec = importlib.util.spec_from_file_location(
        "readme_commands", ROOT / "scripts" / "readme_commands.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_two_setup_commands_and_the_install_are_in_the_readme() -> None:
    module: object = _load()
    found = [c.text for c in module.commands((ROOT / "README.md").read_text())]  # type: ignore[attr-defined]
    assert 'pip install -e ".[dev]"' in found
    assert "pytest" in found
    assert "pip install ." in found
    assert "pip install asgitest" not in found  # not published yet: prose only


def test_a_command_with_output_keeps_its_output() -> None:
    module: object = _load()
    text = "```console\n$ echo hi\nhi\n$ true\n```\n\n```console\nls\n```\n"
    found = module.commands(text)  # type: ignore[attr-defined]
    assert [(c.text, c.output) for c in found] == [("echo hi", ["hi"]), ("true", []), ("ls", None)]


def test_ci_runs_the_readme_commands() -> None:
    assert "python scripts/readme_commands.py" in (ROOT / ".ci" / "run").read_text()
