"""Import strings for the application under test: ``"pkg.module:attr"`` and factories.

One loader for the pytest plugin (``asgi_app``, ``--asgi-app``) and the command line
(``asgitest request APP``). Accepted forms (uvicorn's and hypercorn's, plus a factory call
in the string):

- ``"myproject.asgi:application"``: an attribute of a module (dotted attributes allowed,
  ``"main:api.app"``);
- ``"myproject.app:create_app()"``, or ``factory=True``: a factory, called with no
  arguments; literal arguments are allowed too (``"app:create_app(debug=True)"``);
- ``"myproject.asgi"``: a module with an ``app`` or an ``application`` attribute (when it
  has both, and they differ, the string must say which).

``app_dir`` and then the current directory are put first on ``sys.path`` before importing,
and when ``DJANGO_SETTINGS_MODULE`` is set and Django is installed, Django is set up before
the module is imported, so that an ``asgi.py`` importing routing that imports models works.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Any, Final

from ._app import resolve_application
from ._errors import InvalidApplication, UsageError

__all__ = ["AppNotFound", "ImportString", "load_app", "parse_import_string"]

_FORMAT_HINT: Final = (
    'Write it as "package.module:attribute" (e.g. "myproject.asgi:application"), or '
    '"package.module:factory()" for a function that builds the app.'
)
_PATH_HINT: Final = (
    "Check the spelling, and that the directory holding it is on sys.path: "
    "`asgitest --app-dir DIR` on the command line; under pytest, the asgi_app_dir setting "
    "(--asgi-app-dir) or pytest's `pythonpath` ini option."
)
_DEFAULT_NAMES: Final = ("app", "application")


class AppNotFound(UsageError):
    """Raised when an import string does not lead to an object.

    The string is malformed, its module or an attribute does not exist, the app directory
    does not exist, or the factory it names cannot be called.

    Attributes:
        import_string: the string that was given.
    """

    def __init__(self, message: str, *, import_string: str) -> None:
        super().__init__(message)
        self.import_string = import_string


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
    """Split ``"pkg.module:attr.sub(args)"`` into its parts, or raise :class:`AppNotFound`."""
    __tracebackhide__ = True
    text = text.strip()
    module, colon, target = text.partition(":")
    module = module.strip()
    target = target.strip()
    if not module or not all(part.isidentifier() for part in module.split(".")):
        raise AppNotFound(
            f"{text!r}{_where(where)} is not a valid import string: {module!r} is not a module "
            f"name. {_FORMAT_HINT}",
            import_string=text,
        )
    if not colon:
        return ImportString(text, module, ())
    if not target:
        raise AppNotFound(
            f"{text!r}{_where(where)} is not a valid import string: nothing follows the colon. "
            + _FORMAT_HINT,
            import_string=text,
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
        if any(kw.arg is None for kw in node.keywords) or any(
            isinstance(arg, ast.Starred) for arg in node.args
        ):
            raise AppNotFound(
                f"{text!r}{_where(where)}: *args and **kwargs are not supported in a factory "
                "call; write the arguments out as literals.",
                import_string=text,
            )
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
            kwargs = tuple(
                (kw.arg, ast.literal_eval(kw.value)) for kw in node.keywords if kw.arg is not None
            )
        except ValueError:
            raise AppNotFound(
                f"{text!r}{_where(where)}: the factory arguments must be Python literals "
                "(strings, numbers, True/False/None, lists, dicts).",
                import_string=text,
            ) from None
        node = node.func
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise AppNotFound(
            f"{text!r}{_where(where)} is not a valid import string: {target!r} is not an "
            f"attribute name. {_FORMAT_HINT}",
            import_string=text,
        )
    attrs.append(node.id)
    return ImportString(text, module, tuple(reversed(attrs)), call, args, kwargs)


def _put_on_sys_path(spec: ImportString, app_dir: str | os.PathLike[str] | None) -> str:
    """Like uvicorn: the current directory, and ``app_dir`` before it, are importable."""
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    if app_dir is None:
        return cwd
    directory = os.path.abspath(os.fspath(app_dir))
    if not os.path.isdir(directory):
        raise AppNotFound(
            f"The app directory {os.fspath(app_dir)!r} given for the ASGI app {spec.text!r} "
            "does not exist.",
            import_string=spec.text,
        )
    if directory in sys.path:
        sys.path.remove(directory)
    sys.path.insert(0, directory)
    return cwd


def _setup_django(where: str | None) -> None:
    """Configure Django when ``DJANGO_SETTINGS_MODULE`` is set and Django is installed.

    Routing modules of Channels projects import models at import time, which needs
    ``django.setup()`` first; ``get_asgi_application()`` would do it too late for them.
    """
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


def _import_module(
    spec: ImportString, app_dir: str | os.PathLike[str] | None, cwd: str, where: str | None
) -> Any:
    """Import the module; tell a missing module apart from a module that fails to import.

    A missing module (or package) named by the string is an :class:`AppNotFound`. A missing
    dependency of the user's module propagates as the ``ModuleNotFoundError`` itself, with a
    note naming the app; any other exception while importing becomes a ``UsageError``
    chained to it (its traceback stays in ``__cause__``).
    """
    __tracebackhide__ = True
    try:
        return importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if spec.module == missing or spec.module.startswith(missing + "."):
            also = f", after {os.fspath(app_dir)!r}" if app_dir is not None else ""
            raise AppNotFound(
                f"Could not import module {spec.module!r} for the ASGI app {spec.text!r}"
                f"{_where(where)}: no module named {missing!r}. It is looked up in the current "
                f"directory {cwd!r}{also}, then sys.path. {_PATH_HINT}",
                import_string=spec.text,
            ) from None
        exc.add_note(
            f"asgitest: raised while importing module {spec.module!r} for the ASGI app "
            f"{spec.text!r}{_where(where)}: a dependency of the app is missing."
        )
        raise
    except Exception as exc:
        raise UsageError(
            f"Importing module {spec.module!r} for the ASGI app {spec.text!r}{_where(where)} "
            f"failed: {type(exc).__name__}: {exc}"
        ) from exc


def _default_attribute(module: Any, spec: ImportString, where: str | None) -> str:
    """``app`` or ``application``, for a string naming a module alone."""
    __tracebackhide__ = True
    found = [name for name in _DEFAULT_NAMES if hasattr(module, name)]
    if not found:
        raise AppNotFound(
            f"Module {spec.module!r}{_where(where)} has no attribute 'app' or 'application'; "
            f"say which object is the app: {spec.module + ':name'!r}. {_suggest(module, '')}",
            import_string=spec.text,
        )
    if len(found) == 2 and module.app is not module.application:
        raise AppNotFound(
            f"Module {spec.module!r}{_where(where)} has both an 'app' and an 'application', "
            f"and they differ; say which one is the app: {spec.module + ':app'!r} or "
            f"{spec.module + ':application'!r}.",
            import_string=spec.text,
        )
    return found[0]


def load_app(
    text: str,
    *,
    app_dir: str | os.PathLike[str] | None = None,
    factory: bool = False,
    where: str | None = None,
) -> Any:
    """Import the application named by an import string and check it is an ASGI app.

    Args:
        text: ``"package.module:attribute"`` (``attribute`` may be dotted),
            ``"package.module:factory()"`` (literal arguments allowed) or
            ``"package.module"`` (which looks for ``app`` or ``application``).
        app_dir: a directory put first on ``sys.path`` before importing (the current
            directory is always added, after it).
        factory: call the attribute (with no arguments) to get the app, as if the string
            ended in ``()``.
        where: where the string came from, for error messages (``"asgi_app in tox.ini"``).

    Returns:
        The object itself (a FastAPI app stays a FastAPI app, so ``app.state`` and
        ``dependency_overrides`` are at hand); it has been checked with
        ``resolve_application``.

    Raises:
        AppNotFound: the string is malformed, the module or an attribute does not exist,
            the app directory does not exist, or the factory cannot be called (a
            :class:`~asgitest.UsageError`).
        UsageError: importing the module raised (chained to that exception), the factory
            is async, or ``django.setup()`` failed.
        ModuleNotFoundError: a dependency of the user's module is missing (as itself).
        InvalidApplication: the object (or what the factory returned) is not an ASGI app.
        Exception: whatever the factory raises, as itself.

    Example:
        ```python
        app = load_app("examples.chat.app:app")
        app = load_app("myproject.app:create_app(debug=True)")
        ```
    """
    __tracebackhide__ = True
    if not isinstance(text, str) or not text.strip():
        raise AppNotFound(
            f"Expected an import string{_where(where)}, got {text!r}. {_FORMAT_HINT}",
            import_string=str(text),
        )
    spec = parse_import_string(text, where=where)
    cwd = _put_on_sys_path(spec, app_dir)
    _setup_django(where)
    module = _import_module(spec, app_dir, cwd, where)
    attrs = spec.attrs or (_default_attribute(module, spec, where),)

    obj: Any = module
    walked = spec.module
    for position, name in enumerate(attrs):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise AppNotFound(
                f"{walked!r} has no attribute {name!r}, named by the ASGI app {spec.text!r}"
                f"{_where(where)}. {_submodule_hint(obj, name) or _suggest(obj, name)}",
                import_string=spec.text,
            ) from None
        walked = f"{walked}.{name}" if position else f"{spec.module}:{name}"

    dotted = ".".join(attrs)
    if spec.call or factory:
        if not callable(obj):
            fix = "drop --factory" if factory and not spec.call else "drop the parentheses"
            raise AppNotFound(
                f"{spec.text!r}{_where(where)} calls {dotted}() as a factory, but {walked} is "
                f"not callable (it is a {type(obj).__name__}); {fix} to use it as the app.",
                import_string=spec.text,
            )
        obj = obj(*spec.args, **dict(spec.kwargs))
        if inspect.iscoroutine(obj):
            obj.close()
            raise UsageError(
                f"The factory {dotted}() named by {spec.text!r}{_where(where)} is async: "
                "asgitest calls factories at import time, outside any event loop. Make the "
                "factory synchronous, or build the app in an `asgi_app` fixture."
            )
    try:
        resolve_application(obj)
    except InvalidApplication as exc:
        hint = ""
        if not (spec.call or factory) and _looks_like_factory(obj):
            hint = f" If {dotted} is an app factory, write {spec.text + '()'!r}."
        raise InvalidApplication(
            f"{spec.text!r}{_where(where)} does not name an ASGI application. {exc}{hint}"
        ) from exc
    return obj


def _looks_like_factory(obj: Any) -> bool:
    """A plain synchronous function callable with no arguments."""
    if not (inspect.isfunction(obj) and not inspect.iscoroutinefunction(obj)):
        return False
    try:
        inspect.signature(obj).bind()
    except TypeError:
        return False
    return True


def _looks_like_app(value: Any) -> bool:
    """An async callable taking (scope, receive, send): a function or an instance."""
    if isinstance(value, type) or inspect.ismodule(value) or not callable(value):
        return False
    function = (
        value
        if inspect.isfunction(value) or inspect.ismethod(value)
        else getattr(type(value), "__call__", None)  # noqa: B004 (the method, not callable())
    )
    if function is None or not inspect.iscoroutinefunction(function):
        return False
    try:
        inspect.signature(value).bind(None, None, None)
    except (TypeError, ValueError):
        return False
    return True


def _submodule_hint(namespace: Any, name: str) -> str:
    """When ``name`` is a submodule of the package ``namespace``: say how to write it."""
    package = getattr(namespace, "__name__", None)
    if not package or not hasattr(namespace, "__path__"):
        return ""
    try:
        found = importlib.util.find_spec(f"{package}.{name}") is not None
    except (ImportError, ValueError):
        return ""
    if not found:
        return ""
    return f'{package}.{name} is a module: name the app inside it, e.g. "{package}.{name}:app".'


def _suggest(namespace: Any, name: str) -> str:
    """A close name, then the names in ``namespace`` that look like ASGI apps (else a few)."""
    public = sorted(n for n in dir(namespace) if not n.startswith("_"))
    close = difflib.get_close_matches(name, public, n=1) if name else []
    guess = f"Did you mean {close[0]!r}? " if close else ""
    apps = [n for n in public if _looks_like_app(getattr(namespace, n, None))]
    if apps:
        return f"{guess}Names there that look like ASGI applications: {', '.join(apps[:12])}."
    if not public:
        return f"{guess}It has no public names."
    more = f" and {len(public) - 12} more" if len(public) > 12 else ""
    return f"{guess}Public names there: {', '.join(public[:12])}{more}."
