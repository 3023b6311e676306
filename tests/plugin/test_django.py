"""The Django recipe of docs/pytest-plugin.md, run as written with pytest-django."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

RECIPE = Path(__file__).parents[2] / "docs" / "plugin" / "django_recipe"


def test_django_recipe(pytester: pytest.Pytester) -> None:
    shutil.copytree(RECIPE, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:timeout",
        "-p", "asgitest", "-p", "django", "-p", "anyio", "-p", "no:asyncio",
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "asgitest: app=myproject.asgi:application, *",
            "django: version: *, settings: myproject.settings (from ini)",
        ]
    )
