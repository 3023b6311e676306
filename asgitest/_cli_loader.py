"""Import strings: ``"pkg.module:attr"``, factories, ``--app-dir``, ``DJANGO_SETTINGS_MODULE``."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any, Final

from ._errors import UsageError

__all__ = ["AppNotFound", "load_app"]

_FORMAT_HINT: Final = (
    'Write it as "package.module:attribute" (e.g. "myproject.asgi:application"), or '
    '"package.module:factory()" for a function that builds the app.'
)


class AppNotFound(UsageError):
    """Raised when an import string does not lead to an object.

    Attributes:
        import_string: the string that was given.
    """

    def __init__(self, message: str, *, import_string: str) -> None:
        super().__init__(message)
        self.import_string = import_string


def _setup_django() -> None:
    """Configure Django when ``DJANGO_SETTINGS_MODULE`` is set and Django is installed.

    Routing modules of Channels projects import models at import time, which needs
    ``django.setup()`` first; ``get_asgi_application()`` would do it too late for them.
    """
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    try:
        import django
        from django.apps import apps
    except ImportError:
        return
    if not apps.ready:
        django.setup()


def _is_missing(error: ModuleNotFoundError, module_name: str) -> bool:
    """Whether the module that is missing is the one asked for (or a parent of it).

    A ``ModuleNotFoundError`` raised *inside* the user's module (a missing dependency) is the
    user's bug and must reach them as itself, with its traceback.
    """
    missing = error.name or ""
    return module_name == missing or module_name.startswith(missing + ".")


def load_app(
    import_string: str,
    *,
    app_dir: str | os.PathLike[str] | None = None,
    factory: bool = False,
) -> object:
    """Import the object an import string names, as uvicorn and hypercorn do.

    ``"pkg.module:attr"`` gives ``pkg.module.attr`` (``attr`` may be dotted:
    ``"pkg.module:container.app"``). ``"pkg.module:create_app()"``, or ``factory=True``, calls
    the attribute with no arguments and gives what it returns. ``"pkg.module"`` alone looks for
    an ``app``, then an ``application`` attribute.

    The object is not checked here: pass it to an asgitest communicator (or to
    ``resolve_application``) for that.

    Args:
        import_string: where the app lives.
        app_dir: a directory put first on ``sys.path`` before importing (the current
            directory is always added, after it).
        factory: call the attribute to get the app.

    Returns:
        The object the import string names (or the factory's result).

    Raises:
        AppNotFound: the module or the attribute does not exist, or the string is malformed
            (a :class:`~asgitest.UsageError`).
        Exception: any exception raised while importing the user's module or calling the
            factory, as itself.

    Example:
        ```python
        app = load_app("examples.chat.app:app")
        app = load_app("myproject.app:create_app()")
        ```
    """
    __tracebackhide__ = True
    if not isinstance(import_string, str) or not import_string.strip():
        raise AppNotFound(
            f"Expected an import string, got {import_string!r}. {_FORMAT_HINT}",
            import_string=str(import_string),
        )
    text = import_string.strip()
    module_name, _, attr_path = text.partition(":")
    if attr_path.endswith("()"):
        attr_path = attr_path[:-2]
        factory = True
    if not module_name or (":" in text and not attr_path) or ":" in attr_path:
        raise AppNotFound(
            f"Malformed import string {import_string!r}. {_FORMAT_HINT}", import_string=text
        )

    # Like uvicorn: the current directory (and --app-dir before it) are importable.
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    if app_dir is not None:
        directory = os.path.abspath(os.fspath(app_dir))
        if not os.path.isdir(directory):
            raise AppNotFound(
                f"The app directory {os.fspath(app_dir)!r} does not exist (from --app-dir).",
                import_string=text,
            )
        if directory in sys.path:
            sys.path.remove(directory)
        sys.path.insert(0, directory)

    _setup_django()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if not _is_missing(error, module_name):
            raise
        where = f" (also looked in {os.fspath(app_dir)!r})" if app_dir is not None else ""
        raise AppNotFound(
            f"Could not import module {module_name!r} of {import_string!r}: no module named "
            f"{error.name!r}. It is looked up from the current directory {cwd!r}{where} and "
            "sys.path; pass --app-dir DIR if the package lives elsewhere.",
            import_string=text,
        ) from None

    if not attr_path:
        for candidate in ("app", "application"):
            if hasattr(module, candidate):
                attr_path = candidate
                break
        else:
            raise AppNotFound(
                f"Module {module_name!r} has no attribute 'app' or 'application'; say which "
                f'object is the app: "{module_name}:name". {_FORMAT_HINT}',
                import_string=text,
            )

    obj: Any = module
    walked = module_name
    for position, part in enumerate(attr_path.split(".")):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AppNotFound(
                f"Attribute {part!r} not found in {walked!r} (from {import_string!r}). "
                f"{_submodule_hint(obj, part) or _suggest(obj)}",
                import_string=text,
            ) from None
        walked = f"{walked}.{part}" if position else f"{module_name}:{part}"

    if factory:
        if not callable(obj):
            raise AppNotFound(
                f"{import_string!r} names a factory, but {walked} is a "
                f"{type(obj).__name__}, which cannot be called.",
                import_string=text,
            )
        obj = obj()
    return obj


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
    return (
        f"{package}.{name} is a module: name the app inside it, e.g. "
        f'"{package}.{name}:app".'
    )


def _suggest(namespace: Any) -> str:
    """Name the attributes of ``namespace`` that look like ASGI apps (else a few names)."""
    public = sorted(name for name in dir(namespace) if not name.startswith("_"))
    apps = [name for name in public if _looks_like_app(getattr(namespace, name, None))]
    if apps:
        return f"Names there that look like ASGI applications: {', '.join(apps[:12])}."
    if not public:
        return "It has no public names."
    more = f" and {len(public) - 12} more" if len(public) > 12 else ""
    return f"Names it has: {', '.join(public[:12])}{more}."
