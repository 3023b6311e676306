"""The front door: every public name importable, listed by dir(), and `import asgitest` light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import asgitest


def test_every_public_name_resolves_and_is_listed_by_dir() -> None:
    listed = dir(asgitest)
    for name in asgitest.__all__:
        assert getattr(asgitest, name) is not None, name
        assert name in listed, name
    assert asgitest.__all__ == sorted(asgitest.__all__, key=str.casefold)


def test_public_classes_say_asgitest_as_their_module() -> None:
    from asgitest import HttpCommunicator, Timeout, WebsocketCommunicator

    assert HttpCommunicator.__module__ == "asgitest"
    assert WebsocketCommunicator.__module__ == "asgitest"
    assert Timeout.__module__ == "asgitest"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        asgitest.NoSuchThing  # noqa: B018


def test_import_asgitest_imports_neither_pytest_nor_asyncio_nor_typing() -> None:
    code = (
        "import sys, asgitest; "
        "print(sorted(m for m in ('pytest', 'asyncio', 'email', 'urllib.parse', 'json', "
        "'typing') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_from_import_of_a_lazy_name_works_in_a_fresh_interpreter() -> None:
    code = (
        "from asgitest import HttpCommunicator, LifespanCommunicator, RULES, ANY, TestApp; "
        "print(HttpCommunicator.__name__, len(RULES) > 100)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["HttpCommunicator", "True"]
