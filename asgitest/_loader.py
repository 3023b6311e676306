"""Import strings for the application under test: ``"pkg.module:attr"`` and factories.

Accepted forms (the same as uvicorn's and hypercorn's, plus a factory call in the string):

- ``"myproject.asgi:application"``: an attribute of a module (dotted attributes allowed,
  ``"main:api.app"``);
- ``"myproject.app:create_app()"``: a factory, called with no arguments; literal arguments are
  allowed too (``"app:create_app(debug=True)"``);
- ``"myproject.asgi"``: a module with an ``application`` or ``app`` attribute.

``app_dir`` is put first on ``sys.path`` before importing (``--asgi-app-dir``), and when
``DJANGO_SETTINGS_MODULE`` is set and Django is installed, Django is set up before the
module is imported, so that an ``asgi.py`` importing routing that imports models works.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Any

from ._app import resolve_application
from ._errors import InvalidApplication, UsageError

__all__ = ["ImportString", "load_app", "parse_import_string"]

_FORMAT_HINT = (
    'Write it as "package.module:attribute" (e.g. "myproject.asgi:application"), or '
    '"package.module:factory()" for an app factory.'
)


@dataclass(frozen=True)
class ImportString:
    """A parsed import string: the module, the attribute path, and the factory call if any."""

    text: str
    module: str
    attrs: tuple[str, ...]
    call: bool = False
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


def _where(where: str | None) -> str:
    return f" (from {where})" if where else ""


def parse_import_string(text: str, *, where: str | None = None) -> ImportString:
    """Split ``"pkg.module:attr.sub(args)"`` into its parts, or raise UsageError."""
    text = text.strip()
    module, colon, target = text.partition(":")
    module = module.strip()
    target = target.strip()
    if not module or not all(part.isidentifier() for part in module.split(".")):
        raise UsageError(
            f"{text!r}{_where(where)} is not a valid import string: {module!r} is not a module "
            f"name. {_FORMAT_HINT}"
        )
    if not colon:
        return ImportString(text, module, ())
    if not target:
        raise UsageError(
            f"{text!r}{_where(where)} is not a valid import string: nothing follows the colon. "
            + _FORMAT_HINT
        )
    try:
        node = ast.parse(target, mode="eval").body
    except SyntaxError:
        node = None
    call = False
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    if isinstance(node, ast.Call):
        call = True
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
            kwargs = tuple(
                (kw.arg, ast.literal_eval(kw.value)) for kw in node.keywords if kw.arg is not None
            )
        except ValueError:
            raise UsageError(
                f"{text!r}{_where(where)}: the factory arguments must be Python literals "
                "(strings, numbers, True/False/None, lists, dicts)."
            ) from None
        if any(kw.arg is None for kw in node.keywords) or any(
            isinstance(arg, ast.Starred) for arg in node.args
        ):
            raise UsageError(f"{text!r}{_where(where)}: *args and **kwargs are not supported.")
        node = node.func
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise UsageError(
            f"{text!r}{_where(where)} is not a valid import string: {target!r} is not an "
            f"attribute name. {_FORMAT_HINT}"
        )
    attrs.append(node.id)
    return ImportString(text, module, tuple(reversed(attrs)), call, args, kwargs)


def _setup_django(where: str | None) -> None:
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if not settings_module:
        return
    try:
        import django  # type: ignore[import-untyped,unused-ignore]
        from django.apps import apps  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return
    if apps.ready:
        return
    try:
        django.setup()
    except Exception as exc:
        raise UsageError(
            f"asgitest set up Django (DJANGO_SETTINGS_MODULE={settings_module!r}) before "
            f"importing the app{_where(where)}, and django.setup() failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _import_module(spec: ImportString, where: str | None) -> Any:
    try:
        return importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name and (spec.module == exc.name or spec.module.startswith(exc.name + ".")):
            raise UsageError(
                f"Could not import module {spec.module!r} for the ASGI app {spec.text!r}"
                f"{_where(where)}: {exc}. Check the spelling, and that the project directory "
                "is on sys.path (pytest's `pythonpath` ini option, or --asgi-app-dir)."
            ) from exc
        raise UsageError(
            f"Importing module {spec.module!r} for the ASGI app {spec.text!r}{_where(where)} "
            f"failed: {type(exc).__name__}: {exc}"
        ) from exc
    except Exception as exc:
        raise UsageError(
            f"Importing module {spec.module!r} for the ASGI app {spec.text!r}{_where(where)} "
            f"failed: {type(exc).__name__}: {exc}"
        ) from exc


def load_app(
    text: str,
    *,
    app_dir: str | os.PathLike[str] | None = None,
    where: str | None = None,
) -> Any:
    """Import the application named by an import string and check it is an ASGI app.

    Args:
        text: ``"package.module:attribute"``, ``"package.module:factory()"`` or
            ``"package.module"`` (which looks for ``application``, then ``app``).
        app_dir: a directory to put first on ``sys.path`` before importing.
        where: where the string came from, for error messages (``"the --asgi-app option"``).

    Returns:
        The object itself (a FastAPI app stays a FastAPI app, so ``app.state`` and
        ``dependency_overrides`` are at hand); it has been checked with
        ``resolve_application``.

    Raises:
        UsageError: the string is malformed, the module cannot be imported, or it has no
            such attribute.
        InvalidApplication: the object (or what the factory returned) is not an ASGI app.
    """
    spec = parse_import_string(text, where=where)
    if app_dir is not None:
        directory = os.fspath(app_dir)
        if directory not in sys.path:
            sys.path.insert(0, directory)
    _setup_django(where)
    module = _import_module(spec, where)
    attrs = spec.attrs
    if not attrs:
        for name in ("application", "app"):
            if hasattr(module, name):
                attrs = (name,)
                break
        else:
            raise UsageError(
                f"Module {spec.module!r}{_where(where)} has no attribute 'application' or 'app'. "
                f"Name the app after a colon: {spec.module + ':my_app'!r}."
            )
    obj: Any = module
    for index, name in enumerate(attrs):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            owner = ".".join((spec.module, *attrs[:index]))
            available = sorted(n for n in dir(obj) if not n.startswith("_"))[:12]
            raise UsageError(
                f"{owner!r} has no attribute {name!r}, named by the ASGI app {spec.text!r}"
                f"{_where(where)}. Public names there: {', '.join(available) or 'none'}."
            ) from None
    if spec.call:
        if not callable(obj):
            raise UsageError(
                f"{spec.text!r}{_where(where)} calls {'.'.join(attrs)}(), but it is not "
                f"callable ({type(obj).__name__}). Drop the parentheses to use it as the app."
            )
        obj = obj(*spec.args, **dict(spec.kwargs))
        if inspect.iscoroutine(obj):
            obj.close()
            raise UsageError(
                f"The factory {'.'.join(attrs)}() named by {spec.text!r}{_where(where)} is "
                "async: asgitest calls factories at import time, outside any event loop. Make "
                "the factory synchronous, or build the app in an `asgi_app` fixture."
            )
    try:
        resolve_application(obj)
    except InvalidApplication as exc:
        hint = ""
        if not spec.call and _looks_like_factory(obj):
            hint = f" If {'.'.join(attrs)} is an app factory, write {spec.text + '()'!r}."
        raise InvalidApplication(
            f"{spec.text!r}{_where(where)} does not name an ASGI application. {exc}{hint}"
        ) from exc
    return obj


def _looks_like_factory(obj: Any) -> bool:
    if not (inspect.isfunction(obj) and not inspect.iscoroutinefunction(obj)):
        return False
    try:
        inspect.signature(obj).bind()
    except TypeError:
        return False
    return True
