"""The front door: asgitest.__all__ is sorted, complete, public-only, and names resolve."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import asgitest


def test_all_is_sorted_casefold() -> None:
    assert asgitest.__all__ == sorted(asgitest.__all__, key=str.casefold)


def test_every_name_in_all_resolves_and_is_public() -> None:
    for name in asgitest.__all__:
        assert not name.startswith("_"), name
        assert getattr(asgitest, name) is not None, name


def test_public_classes_and_functions_say_asgitest() -> None:
    for name in asgitest.__all__:
        obj = getattr(asgitest, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__module__ == "asgitest", f"{name} says {obj.__module__}"


def test_nothing_public_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(asgitest).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public <= set(asgitest.__all__), public - set(asgitest.__all__)


def test_every_module_declares_all() -> None:
    for info in pkgutil.walk_packages(asgitest.__path__, "asgitest."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), f"{info.name} has no __all__"


def test_import_is_light() -> None:
    code = (
        "import sys, asgitest\n"
        "heavy = [m for m in ('pytest', 'django', 'channels', 'starlette', 'trio', 'anyio',"
        " 'httpx', 'uvicorn', 'daphne') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
