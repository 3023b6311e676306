"""What other rooms attach to the engine, without the engine importing them.

- :func:`watch_starts`: called with every engine as its app starts (the pytest plugin finds
  the communicators a test built itself this way: one list read per start).
- :func:`guard_while_running`: a pair of callables run as the first app starts and as the last
  one ends (asgitest's Django guard registers itself through this).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["guard_while_running", "starts", "started", "stopped", "watch_starts"]

starts: list[Callable[[Any], None]] = []
"""The start watchers, called in order."""

_acquire: list[Callable[[], Any]] = []
_release: list[Callable[[], Any]] = []


def watch_starts(callback: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``callback(engine)`` as every app starts, until the returned function is called."""
    starts.append(callback)

    def unwatch() -> None:
        try:
            starts.remove(callback)
        except ValueError:
            pass

    return unwatch


def guard_while_running(acquire: Callable[[], Any], release: Callable[[], Any]) -> None:
    """Run ``acquire()`` as each app starts and ``release()`` as it ends (registered once)."""
    if acquire not in _acquire:
        _acquire.append(acquire)
        _release.append(release)


def started() -> None:
    for acquire in _acquire:
        acquire()


def stopped() -> None:
    for release in _release:
        release()
