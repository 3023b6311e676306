"""The exception tree on the errors page is the one in asgitest/_errors.py's docstring."""

from pathlib import Path

import asgitest._errors


def _tree(text: str) -> list[str]:
    lines = text.split("The hierarchy::", 1)[-1].split("Exceptions carry", 1)[0].splitlines()
    return [line.strip() for line in lines if line.strip()]


def test_the_page_shows_the_current_tree():
    page = (Path(__file__).parent / "errors.md").read_text(encoding="utf-8")
    block = page.split("```text", 1)[1].split("```", 1)[0]
    assert _tree(block) == _tree(asgitest._errors.__doc__ or "")


def test_every_exception_has_a_section():
    page = (Path(__file__).parent / "errors.md").read_text(encoding="utf-8")
    for name in asgitest._errors.__all__:
        assert f"[`{name}`](api.md#asgitest.{name})" in page
