from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgitest import HttpCommunicator, InvalidApplication, UsageError
from asgitest._loader import AppNotFound, load_app, parse_import_string

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

    async def test_factory_flag(self, module: str, tmp_path: Path) -> None:
        app = load_app(f"{module}:create_app", app_dir=tmp_path, factory=True)
        assert await body_of(app) == b"factory"

    async def test_module_only_finds_app(self, module: str, tmp_path: Path) -> None:
        assert await body_of(load_app(module, app_dir=tmp_path)) == b"plain"


class TestLoadErrors:
    def test_missing_module(self) -> None:
        with pytest.raises(AppNotFound, match=r"Could not import module 'no_such_mod_xyz'.*path"):
            load_app("no_such_mod_xyz:app", where="pyproject.toml")

    def test_not_found_errors_name_the_source_and_the_string(self) -> None:
        with pytest.raises(AppNotFound, match=r"\(from asgi_app in pyproject.toml\)") as caught:
            load_app("no_such_mod_xyz:app", where="asgi_app in pyproject.toml")
        assert issubclass(AppNotFound, UsageError)
        assert caught.value.import_string == "no_such_mod_xyz:app"

    def test_missing_app_dir(self, tmp_path: Path) -> None:
        with pytest.raises(AppNotFound, match=r"app directory .*nope' given for .* does not exist"):
            load_app("anything:app", app_dir=tmp_path / "nope")

    def test_module_with_both_default_names_must_say_which(self, tmp_path: Path) -> None:
        name = f"both_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(APP_SOURCE + "application = create_app()\n")
        try:
            with pytest.raises(AppNotFound, match=r"has both an 'app' and an 'application'"):
                load_app(name, app_dir=tmp_path)
        finally:
            sys.modules.pop(name, None)
            sys.path.remove(str(tmp_path))

    def test_submodule_named_as_an_attribute_gets_the_fix(self, tmp_path: Path) -> None:
        name = f"pkg_{uuid.uuid4().hex[:8]}"
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
        (tmp_path / name / "asgi.py").write_text(APP_SOURCE)
        try:
            with pytest.raises(AppNotFound, match=rf'{name}.asgi is a module: .*"{name}.asgi:app"'):
                load_app(f"{name}:asgi", app_dir=tmp_path)
        finally:
            sys.modules.pop(name, None)
            sys.path.remove(str(tmp_path))

    def test_missing_dependency_is_raised_as_itself_with_a_note(self, tmp_path: Path) -> None:
        name = f"needs_dep_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text("import this_dependency_is_missing_xyz\n")
        try:
            with pytest.raises(ModuleNotFoundError, match="this_dependency_is_missing") as caught:
                load_app(f"{name}:app", app_dir=tmp_path, where="the --asgi-app option")
        finally:
            sys.path.remove(str(tmp_path))
        notes = getattr(caught.value, "__notes__", [])
        assert any(
            f"for the ASGI app '{name}:app' (from the --asgi-app option)" in n for n in notes
        )

    def test_missing_attribute_lists_public_names(self, module: str, tmp_path: Path) -> None:
        with pytest.raises(
            AppNotFound, match=r"has no attribute 'ap'.*Did you mean 'app'\?.*look like ASGI ap"
        ):
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
        with pytest.raises(AppNotFound, match=r"not callable \(it is a int\); drop the paren"):
            load_app(f"{module}:value()", app_dir=tmp_path)
        with pytest.raises(AppNotFound, match=r"not callable \(it is a int\); drop --factory"):
            load_app(f"{module}:value", app_dir=tmp_path, factory=True)

    def test_module_raising_on_import(self, tmp_path: Path) -> None:
        name = f"broken_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text("raise RuntimeError('boom at import')\n")
        try:
            with pytest.raises(UsageError, match=r"failed: RuntimeError: boom at import"):
                load_app(f"{name}:app", app_dir=tmp_path)
        finally:
            sys.path.remove(str(tmp_path))
