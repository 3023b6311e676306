"""Django and Channels database safety while an application runs under asgitest.

While at least one application instance runs, the things that close the test's database
connection behind its back do nothing, for the instance's whole life (every wait,
``receive_nothing()``, ``wait()`` and ``disconnect()`` included, not only inside
``send_input``/``receive_output`` as in channels.testing: channels #2118):

- ``channels.db.close_old_connections``, which ``database_sync_to_async`` calls;
- ``aclose_old_connections``, which every Channels consumer awaits before each message
  (channels >= 4.2), wherever channels imported it. Besides closing connections it costs a hop
  to the single sync thread per message (about 3x on a consumer round trip), and it stalls a
  consumer while a test helper holds that thread (``async_to_sync(communicator.receive_nothing)``
  called from ``database_sync_to_async`` code);
- Django's ``close_old_connections`` receivers of ``request_started`` and ``request_finished``,
  which Django's own test client disconnects for the same reason.

How: the first time an app starts after Django or Channels was imported, each of those is
replaced, once, by a guard that calls the original only while no app runs. Starting and
stopping an app then only moves a counter: no per-request signal (dis)connection.

Nothing of Django or Channels is imported here: the guards are installed only in modules the
process already imported. The engine calls :func:`acquire` and :func:`release` through its hooks
(``asgitest._core.guard_while_running``); the communicators import this module to register them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Final

from ._core import guard_while_running

__all__ = ["acquire", "active", "release"]

_count = 0
_channels_done = False
_django_done = False

# Where channels >= 4.2 defines or imported aclose_old_connections.
_ASYNC_CLOSERS: Final = (
    "channels.db",
    "channels.consumer",
    "channels.generic.http",
    "channels.generic.websocket",
)


def active() -> bool:
    """Whether an application instance is running (the guards are closed)."""
    return _count > 0


def _guard(original: Callable[..., Any]) -> Callable[..., Any]:
    def close_old_connections_unless_asgitest_runs(*args: Any, **kwargs: Any) -> Any:
        if _count == 0:
            return original(*args, **kwargs)
        return None

    close_old_connections_unless_asgitest_runs.__wrapped__ = original  # type: ignore[attr-defined]
    close_old_connections_unless_asgitest_runs._asgitest_guard = True  # type: ignore[attr-defined]
    return close_old_connections_unless_asgitest_runs


def _async_guard(original: Callable[..., Any]) -> Callable[..., Any]:
    async def aclose_old_connections_unless_asgitest_runs(*args: Any, **kwargs: Any) -> Any:
        if _count == 0:
            return await original(*args, **kwargs)
        return None

    aclose_old_connections_unless_asgitest_runs.__wrapped__ = original  # type: ignore[attr-defined]
    aclose_old_connections_unless_asgitest_runs._asgitest_guard = True  # type: ignore[attr-defined]
    return aclose_old_connections_unless_asgitest_runs


_Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


def _replace(module: Any, name: str, wrap: _Wrap) -> None:
    original = getattr(module, name, None)
    if original is not None and not getattr(original, "_asgitest_guard", False):
        setattr(module, name, wrap(original))


def _install_channels() -> None:
    global _channels_done
    _channels_done = True
    _replace(sys.modules["channels.db"], "close_old_connections", _guard)
    for name in _ASYNC_CLOSERS:
        module = sys.modules.get(name)
        if module is not None:
            _replace(module, "aclose_old_connections", _async_guard)
        elif name.startswith("channels.generic"):
            _channels_done = False  # imported later: look again next time


def _install_django() -> None:
    global _django_done
    _django_done = True
    from django.core import signals
    from django.db import close_old_connections

    guarded = _guard(close_old_connections)
    for signal in (signals.request_started, signals.request_finished):
        if signal.disconnect(close_old_connections):
            signal.connect(guarded, weak=False, dispatch_uid=("asgitest", id(signal)))


def acquire() -> None:
    """An application instance starts."""
    global _count
    _count += 1
    if not _channels_done and "channels.db" in sys.modules:
        _install_channels()
    if not _django_done and "django.core.signals" in sys.modules and "django.db" in sys.modules:
        _install_django()


def release() -> None:
    """An application instance ended."""
    global _count
    if _count > 0:
        _count -= 1


# The engine runs the guard as each app starts and ends (it does not import this module).
guard_while_running(acquire, release)
