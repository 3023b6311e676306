from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgitest import HttpCommunicator, InvalidApplication, UsageError
from asgitest._loader import load_app, parse_import_string

APP_SOURCE = textwrap.dedent(
    """
    async def app(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": NAME.encode()})

    NAME = "plain"

    class Holder:
        app = app

    def create_app(name="factory"):
        async def made(scope, receive, send):
            await receive()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": name.encode()})
        return made

    async def async_factory():
        return app

    def not_an_app(scope):
        return None

    def zero_args():
        return app

    value = 42
    """
)


@pytest.fixture
def module(tmp_path: Path) -> Iterator[str]:
    """A fresh importable module in its own directory; returns its name."""
    name = f"loader_app_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(APP_SOURCE)
    yield name
    sys.modules.pop(name, None)
    while str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


async def body_of(app: object) -> bytes:
    async with HttpCommunicator(app, "GET", "/") as communicator:
        response = await communicator.get_response()
    return response["body"]


class TestParse:
    def test_attribute_path(self) -> None:
        spec = parse_import_string("pkg.mod:a.b")
        assert (spec.module, spec.attrs, spec.call) == ("pkg.mod", ("a", "b"), False)

    def test_factory_with_literal_arguments(self) -> None:
        spec = parse_import_string("pkg.mod:create(1, debug=True)")
        assert spec.call
        assert spec.args == (1,)
        assert dict(spec.kwargs) == {"debug": True}

    def test_module_only(self) -> None:
        assert parse_import_string("pkg.mod").attrs == ()

    @pytest.mark.parametrize("text", ["", ":app", "pkg.mod:", "pkg-mod:app", "m:1+2", "m:f(x)"])
    def test_malformed_strings_are_usage_errors_naming_the_source(self, text: str) -> None:
        with pytest.raises(UsageError, match=r"from the --asgi-app option"):
            parse_import_string(text, where="the --asgi-app option")


@pytest.mark.anyio
class TestLoad:
    async def test_attribute(self, module: str, tmp_path: Path) -> None:
        app = load_app(f"{module}:app", app_dir=tmp_path)
        assert await body_of(app) == b"plain"

    async def test_dotted_attribute(self, module: str, tmp_path: Path) -> None:
        app = load_app(f"{module}:Holder.app", app_dir=tmp_path)
        assert await body_of(app) == b"plain"

    async def test_factory(self, module: str, tmp_path: Path) -> None:
        assert await body_of(load_app(f"{module}:create_app()", app_dir=tmp_path)) == b"factory"

    async def test_factory_with_arguments(self, module: str, tmp_path: Path) -> None:
        app = load_app(f"{module}:create_app(name='custom')", app_dir=tmp_path)
        assert await body_of(app) == b"custom"

    async def test_module_only_finds_app(self, module: str, tmp_path: Path) -> None:
        assert await body_of(load_app(module, app_dir=tmp_path)) == b"plain"


class TestLoadErrors:
    def test_missing_module(self) -> None:
        with pytest.raises(UsageError, match=r"Could not import module 'no_such_mod_xyz'.*path"):
            load_app("no_such_mod_xyz:app", where="pyproject.toml")

    def test_missing_attribute_lists_public_names(self, module: str, tmp_path: Path) -> None:
        with pytest.raises(UsageError, match=r"has no attribute 'ap'.*Public names there: .*app"):
            load_app(f"{module}:ap", app_dir=tmp_path)

    def test_not_an_app(self, module: str, tmp_path: Path) -> None:
        with pytest.raises(InvalidApplication, match=r"does not name an ASGI application"):
            load_app(f"{module}:value", app_dir=tmp_path)

    def test_zero_argument_factory_gets_a_hint(self, module: str, tmp_path: Path) -> None:
        with pytest.raises(InvalidApplication, match=r"write '.*:zero_args\(\)'"):
            load_app(f"{module}:zero_args", app_dir=tmp_path)

    def test_async_factory_is_refused(self, module: str, tmp_path: Path) -> None:
        with pytest.raises(UsageError, match=r"is async"):
            load_app(f"{module}:async_factory()", app_dir=tmp_path)

    def test_calling_a_non_callable(self, module: str, tmp_path: Path) -> None:
        with pytest.raises(UsageError, match=r"not callable"):
            load_app(f"{module}:value()", app_dir=tmp_path)

    def test_module_raising_on_import(self, tmp_path: Path) -> None:
        name = f"broken_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text("raise RuntimeError('boom at import')\n")
        try:
            with pytest.raises(UsageError, match=r"failed: RuntimeError: boom at import"):
                load_app(f"{name}:app", app_dir=tmp_path)
        finally:
            sys.path.remove(str(tmp_path))
