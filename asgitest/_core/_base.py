"""What the engine's files share: the markers a wait ends with, and what a backend needs of
the engine it runs an app for (:class:`AppRun`), so that the backends never import the engine.
"""

from __future__ import annotations

from collections import deque
from types import TracebackType
from typing import Any, Final, Protocol

__all__ = ["CANCELLED_MARK", "TIMED_OUT", "WOKEN", "AppRun"]


class _Marker:
    """A named sentinel."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<{self._name}>"


TIMED_OUT: Final = _Marker("timed out")
"""A test-side wait ended because its time ran out."""
WOKEN: Final = _Marker("woken")
"""A test-side wait ended because something happened (the app ended or failed): look again."""


class _Cancelled(BaseException):
    """Marks a cancelled app in ``Engine._finish``."""


CANCELLED_MARK: Final = _Cancelled()


class AppRun(Protocol):
    """The parts of an engine that a backend reads and writes while it runs the app."""

    state: str
    cancelled_by_us: bool
    cancelled_from_outside: bool
    outbox: deque[Any]
    _task: Any
    _result_tb: TracebackType | None
    _inline: Any
    _context: Any
    app_context: Any
    _stepping: bool
    _clock: Any
    _app_signal: Any
    _test_signal: Any
    _trio_scope: Any

    def _finish(self, exc: BaseException | None) -> None: ...

    def _set_started(self) -> None: ...

    def _app_is_due(self) -> bool: ...
