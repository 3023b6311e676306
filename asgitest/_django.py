"""Django and Channels database safety while an application runs under asgitest.

While at least one application instance runs, two things that close the test's database
connection behind its back are turned off, for the instance's whole life (every wait,
``receive_nothing()``, ``wait()`` and ``disconnect()`` included):

- ``channels.db.close_old_connections``, which Channels consumers and
  ``database_sync_to_async`` call, becomes a no-op (channels.testing does this only inside
  ``send_input``/``receive_output``: channels #2118);
- ``aclose_old_connections``, which every Channels consumer awaits before each message
  (channels >= 4.2), becomes an async no-op wherever channels imported it. It only calls the
  (now no-op) ``close_old_connections`` through ``sync_to_async``, a hop to the single sync
  thread per message: that hop made a consumer round trip about 3x slower, and it stalled a
  consumer while a test helper held that thread (``async_to_sync(communicator.receive_nothing)``
  called from ``database_sync_to_async`` code);
- Django's ``close_old_connections`` is disconnected from the ``request_started`` and
  ``request_finished`` signals, as Django's own test client does.

Nothing is imported here: the switches act only on modules the test process already imported.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["acquire", "active", "release"]

_count = 0
_saved_channels: tuple[Any, Any] | None = None
_saved_async: list[tuple[Any, Any]] = []
# Where channels >= 4.2 has (or imported) aclose_old_connections.
_ASYNC_CLOSERS = (
    "channels.db",
    "channels.consumer",
    "channels.generic.http",
    "channels.generic.websocket",
)
_disconnected: list[tuple[Any, Any]] = []


def _no_op(*args: Any, **kwargs: Any) -> None:
    return None


async def _async_no_op() -> None:
    return None


def active() -> bool:
    """Whether the switches are on (some application instance is running)."""
    return _count > 0


def acquire() -> None:
    """An application instance starts."""
    global _count, _saved_channels
    _count += 1
    if _count != 1:
        return
    channels_db = sys.modules.get("channels.db")
    if channels_db is not None:
        original = getattr(channels_db, "close_old_connections", None)
        if original is not None and original is not _no_op:
            _saved_channels = (channels_db, original)
            channels_db.close_old_connections = _no_op
    for name in _ASYNC_CLOSERS:
        module = sys.modules.get(name)
        original = getattr(module, "aclose_old_connections", None)
        if original is not None and original is not _async_no_op:
            _saved_async.append((module, original))
            module.aclose_old_connections = _async_no_op  # type: ignore[union-attr]
    if "django.db" in sys.modules and "django.core.signals" in sys.modules:
        from django.core import signals
        from django.db import close_old_connections

        for signal in (signals.request_started, signals.request_finished):
            if signal.disconnect(close_old_connections):
                _disconnected.append((signal, close_old_connections))


def release() -> None:
    """An application instance ended."""
    global _count, _saved_channels
    if _count == 0:
        return
    _count -= 1
    if _count != 0:
        return
    if _saved_channels is not None:
        module, original = _saved_channels
        if module.close_old_connections is _no_op:
            module.close_old_connections = original
        _saved_channels = None
    while _saved_async:
        module, original = _saved_async.pop()
        if module.aclose_old_connections is _async_no_op:
            module.aclose_old_connections = original
    while _disconnected:
        signal, receiver = _disconnected.pop()
        signal.connect(receiver)
