"""docs/spec/rules.md is generated from the registry and the corpus, and kept up to date."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asgitest import RULES

from .rules_doc import render

DOC = Path(__file__).parents[2] / "docs" / "spec" / "rules.md"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_rules_reference_is_up_to_date() -> None:
    text = await render()
    if os.environ.get("ASGITEST_UPDATE_DOCS"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/spec/rules.md is stale: "
        "run ASGITEST_UPDATE_DOCS=1 pytest tests/spec/test_rules_doc.py"
    )


def test_every_rule_has_a_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule_id in RULES:
        assert f"\n### {rule_id}\n" in text


def test_every_checked_rule_id_of_the_registry_is_numbered_in_order() -> None:
    assert list(RULES) == [f"R{n}" for n in range(1, 116)]
