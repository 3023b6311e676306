"""Django and Channels database safety while an application runs under asgitest.

While at least one application instance runs, two things that close the test's database
connection behind its back are turned off, for the instance's whole life (every wait,
``receive_nothing()``, ``wait()`` and ``disconnect()`` included):

- ``channels.db.close_old_connections``, which Channels consumers and
  ``database_sync_to_async`` call, becomes a no-op (channels.testing does this only inside
  ``send_input``/``receive_output``: channels #2118);
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
_disconnected: list[tuple[Any, Any]] = []


def _no_op(*args: Any, **kwargs: Any) -> None:
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
            setattr(channels_db, "close_old_connections", _no_op)  # noqa: B010
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
        if getattr(module, "close_old_connections", None) is _no_op:
            setattr(module, "close_old_connections", original)  # noqa: B010
        _saved_channels = None
    while _disconnected:
        signal, receiver = _disconnected.pop()
        signal.connect(receiver)
