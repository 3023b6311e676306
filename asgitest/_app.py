"""What counts as an ASGI application, and the teaching error for what does not."""

from __future__ import annotations

import inspect
import weakref
from typing import Any, cast

from ._errors import InvalidApplication
from ._types import ASGIApp, Receive, Scope, Send

__all__ = ["resolve_application"]

_cache: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
# The last application resolved, by weak reference, and what it resolved to when that is not
# the app itself (an ASGI 2 adapter): no strong reference is kept to an ASGI 3 app.
_last: tuple[weakref.ref[Any], ASGIApp | None] | None = None


def _remember_last(app: Any, resolved: ASGIApp) -> None:
    global _last
    if resolved is not app:
        _last = None  # an ASGI 2 adapter refers to the app: holding it would keep the app alive
        return
    try:
        _last = (weakref.ref(app), None if resolved is app else resolved)
    except TypeError:
        _last = None


def _describe(obj: object) -> str:
    text = repr(obj)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_async_callable(obj: Any) -> bool:
    # asgiref's check also understands markcoroutinefunction() on Python 3.11.
    from asgiref.sync import iscoroutinefunction

    while True:
        if iscoroutinefunction(obj):
            return True
        wrapped = getattr(obj, "func", None)  # functools.partial
        if wrapped is None or wrapped is obj:
            return False
        obj = wrapped


def _accepts(func: Any, count: int) -> bool | None:
    """Whether ``func`` can be called with ``count`` positional arguments (None: unknown)."""
    try:
        signature = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*([None] * count))
    except TypeError:
        return False
    return True


def _name(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    return name or type(obj).__name__


def _check(app: Any) -> ASGIApp:
    if app is None:
        raise InvalidApplication(
            "asgitest expected an ASGI application, but got None. Probably the import or the "
            "factory that should give the app returned nothing."
        )
    if inspect.iscoroutine(app):
        app.close()  # it will never run; closing it avoids "coroutine was never awaited"
        name = getattr(app, "__qualname__", "app")
        raise InvalidApplication(
            f"asgitest expected an ASGI application, but got a coroutine object {_describe(app)}. "
            f"Probably you wrote HttpCommunicator({name}(), ...): pass the app itself, "
            f"HttpCommunicator({name}, ...)."
        )
    if inspect.isclass(app):
        if hasattr(app, "as_asgi"):
            raise InvalidApplication(
                f"asgitest expected an ASGI application, but got the consumer class "
                f"{app.__qualname__}. Did you mean {app.__qualname__}.as_asgi()?"
            )
        if hasattr(app, "__await__") and _accepts(app, 3) is not False:
            # An ASGI 3 class: App(scope, receive, send) makes an instance that is awaited
            # (Starlette's HTTPEndpoint and WebSocketEndpoint); the engine awaits it.
            return cast(ASGIApp, app)
        # An ASGI 2 "double callable" class: instance = App(scope); await instance(receive, send).
        if _accepts(app, 1) is False:
            raise InvalidApplication(
                f"asgitest got the class {app.__qualname__}, which it treats as an ASGI 2 "
                f"application, but {app.__qualname__}(scope) cannot be called with one argument. "
                "An ASGI 3 application is an async callable app(scope, receive, send)."
            )
        return _asgi2(app)
    if not callable(app):
        raise InvalidApplication(
            f"asgitest expected an ASGI application (an async callable taking scope, receive "
            f"and send), but got {type(app).__name__} {_describe(app)}, which is not callable."
        )
    if getattr(app, "_asgi_double_callable", False):
        return _asgi2(app)
    if getattr(app, "_asgi_single_callable", False):
        return cast(ASGIApp, app)
    is_async = _is_async_callable(app)
    if not is_async and not (inspect.isfunction(app) or inspect.ismethod(app)):
        # An instance whose __call__ is async (Starlette, Django, consumer instances, URLRouter...).
        is_async = _is_async_callable(type(app).__call__)
    if is_async:
        if _accepts(app, 3) is False:
            raise InvalidApplication(
                f"asgitest expected an ASGI application taking (scope, receive, send), but "
                f"{_name(app)} cannot be called with three arguments: its signature is "
                f"{_signature(app)}. An ASGI 3 application is async def app(scope, receive, send)."
            )
        return cast(ASGIApp, app)
    # A plain sync callable: an ASGI 2 double callable takes one argument (the scope); one that
    # takes three is almost always an ASGI 3 app written with `def` instead of `async def`.
    if _accepts(app, 1):
        return _asgi2(app)
    if _accepts(app, 3):
        raise InvalidApplication(
            f"asgitest expected an ASGI application, but {_name(app)} is a synchronous callable "
            f"{_signature(app)}. ASGI applications are async: write `async def {_short_name(app)}"
            "(scope, receive, send)`. If it does return an awaitable, mark it with "
            "asgiref.sync.markcoroutinefunction()."
        )
    raise InvalidApplication(
        f"asgitest expected an ASGI application taking (scope, receive, send), but got "
        f"{_describe(app)} with signature {_signature(app)}."
    )


def _short_name(obj: Any) -> str:
    """The bare name, for code the message suggests (``async def app``, not ``f.<locals>.app``)."""
    return getattr(obj, "__name__", None) or type(obj).__name__


def _signature(func: Any) -> str:
    try:
        return f"{_name(func)}{inspect.signature(func, follow_wrapped=False)}"
    except (TypeError, ValueError):
        return _name(func)


def _asgi2(app: Any) -> ASGIApp:
    async def asgi2_adapter(scope: Scope, receive: Receive, send: Send) -> None:
        instance = app(scope)
        if not callable(instance):
            raise InvalidApplication(
                f"asgitest ran {_name(app)} as an ASGI 2 application: it called "
                f"{_short_name(app)}(scope) and got {instance!r}, which is not callable. An ASGI 2 "
                "application returns an instance that is awaited as instance(receive, send); an "
                f"ASGI 3 application is async def {_short_name(app)}(scope, receive, send)."
            )
        await instance(receive, send)

    asgi2_adapter.__qualname__ = f"asgi2({_name(app)})"
    return asgi2_adapter


def resolve_application(app: Any) -> ASGIApp:
    """Check that ``app`` is an ASGI application and return it as an ASGI 3 callable.

    Accepts ASGI 3 callables (functions, instances with an async ``__call__``) and ASGI 2
    double callables. Raises :class:`InvalidApplication` (a ``TypeError``) with the likely fix
    for anything else. Results are cached per application object.
    """
    last = _last
    if last is not None and last[0]() is app:
        # The same app as last time (the common case in a test module).
        adapter = last[1]
        if adapter is None:
            return app  # type: ignore[return-value]
        return adapter
    try:
        as_is = _cache[app]
    except (KeyError, TypeError):
        pass
    else:
        resolved = cast(ASGIApp, app) if as_is else _asgi2(app)
        _remember_last(app, resolved)
        return resolved
    resolved = _check(app)
    try:
        # Only a flag: a value referring to the app (the app itself, or an ASGI 2 adapter
        # around it) would keep the weak key, and all the app refers to, alive forever.
        _cache[app] = resolved is app
    except TypeError:
        return resolved  # not weak-referenceable or not hashable: check again next time
    _remember_last(app, resolved)
    return resolved
