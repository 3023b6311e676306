"""trio's primitives for the engine: events, cancel scopes and the nursery the app runs in.

Imported only when an app runs under trio (``import asgitest`` never imports trio).

Checked on trio 0.27 to 0.32 (``in_trio_run`` is looked up, not required: it came with 0.29).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import deque
from typing import TYPE_CHECKING, Any

import trio

from ._base import CANCELLED_MARK, TIMED_OUT, WOKEN

if TYPE_CHECKING:
    from ._base import AppRun

__all__ = ["TrioSignal", "TrioWaits", "checkpoint", "in_trio_run", "start"]

__tracebackhide__ = True

checkpoint = trio.lowlevel.checkpoint


def in_trio_run() -> bool:
    """Whether this thread runs trio now."""
    probe = getattr(trio.lowlevel, "in_trio_run", None)
    if probe is not None:
        return bool(probe())
    try:  # trio < 0.29
        trio.lowlevel.current_trio_token()
    except RuntimeError:
        return False
    return True


class _TrioWait:
    """One waiting reader or watcher under trio."""

    __slots__ = ("event", "result")

    def __init__(self, event: Any) -> None:
        self.event = event
        self.result: Any = TIMED_OUT


class TrioWaits:
    """The same waits under trio (see ``_asyncio.AsyncioWaits``): a message is handed to the
    first waiting reader before it is woken, so that trio's scheduling order (which it
    deliberately varies) cannot serve readers out of turn."""

    __slots__ = ("_outbox", "_trio", "readers", "watchers")

    def __init__(self, outbox: deque[Any]) -> None:
        self._trio = trio
        self._outbox = outbox
        self.readers: deque[_TrioWait] = deque()
        self.watchers: list[_TrioWait] = []

    async def _wait(self, wait: _TrioWait, timeout: float | None) -> None:
        if timeout is None:
            await wait.event.wait()
        else:
            with self._trio.move_on_after(timeout):
                await wait.event.wait()

    async def read(self, timeout: float | None, front: bool = False) -> Any:
        wait = _TrioWait(self._trio.Event())
        readers = self.readers
        if front:
            readers.appendleft(wait)
        else:
            readers.append(wait)
        try:
            await self._wait(wait, timeout)
        except BaseException:
            got = wait.result
            if got is not TIMED_OUT and got is not WOKEN:
                self._outbox.appendleft(got)
                self.hand_over()
            with contextlib.suppress(ValueError):
                readers.remove(wait)
            raise
        got = wait.result
        if got is TIMED_OUT:
            with contextlib.suppress(ValueError):
                readers.remove(wait)
        return got

    async def watch(self, timeout: float | None) -> bool:
        wait = _TrioWait(self._trio.Event())
        watchers = self.watchers
        watchers.append(wait)
        try:
            await self._wait(wait, timeout)
        finally:
            watchers.remove(wait)
        return wait.result is not TIMED_OUT

    def hand_over(self) -> None:
        readers = self.readers
        outbox = self._outbox
        while readers and outbox:
            wait = readers.popleft()
            wait.result = outbox.popleft()
            wait.event.set()

    def notify(self) -> None:
        if self.readers:
            self.hand_over()
        for wait in self.watchers:
            if not wait.event.is_set():
                wait.result = WOKEN
                wait.event.set()

    def wake_all(self) -> None:
        readers = self.readers
        while readers:
            wait = readers.popleft()
            wait.result = WOKEN
            wait.event.set()
        for wait in self.watchers:
            if not wait.event.is_set():
                wait.result = WOKEN
                wait.event.set()


class TrioSignal:
    """The app side's wake-up on trio: an Event made only when the app waits (shared)."""

    __slots__ = ("_waiters", "pending")

    def __init__(self) -> None:
        self.pending: Any = None
        self._waiters = 0

    @property
    def waiting(self) -> bool:
        return self._waiters > 0

    def wake(self) -> None:
        event = self.pending
        if event is not None:
            self.pending = None
            event.set()

    async def wait(self) -> None:
        event = self.pending
        if event is None:
            event = self.pending = trio.Event()
        self._waiters += 1
        try:
            await event.wait()
        finally:
            self._waiters -= 1
            if self._waiters == 0 and self.pending is event:
                self.pending = None


def start(engine: AppRun, nursery: Any, coro: Any) -> None:
    """Start the app in the nursery of the communicator's ``async with``, in a fresh, empty
    contextvars context."""
    engine._app_signal = TrioSignal()
    engine._test_signal = TrioWaits(engine.outbox)
    engine._trio_scope = trio.CancelScope()
    engine._set_started()
    context = engine.app_context if engine.app_context is not None else contextvars.Context()
    context.run(nursery.start_soon, _run, engine, coro)


async def _run(engine: AppRun, coro: Any) -> None:
    exc: BaseException | None = None
    try:
        with engine._trio_scope:
            await coro
    except trio.Cancelled:
        # Cancelled from outside the app's own scope: the test's cancel scope (around the
        # communicator's nursery) or the nursery failing. The app has ended all the same.
        engine.cancelled_from_outside = True
        engine._finish(CANCELLED_MARK)
        raise
    except (KeyboardInterrupt, SystemExit) as error:
        # Let them propagate, as asyncio does.
        engine._finish(error)
        raise
    except BaseException as error:
        # An Exception, another BaseException subclass or asyncio.CancelledError: the app's
        # outcome, reported to the test as on asyncio (not through the nursery, which would
        # wrap it in an exception group).
        exc = error
    if exc is None and engine._trio_scope.cancelled_caught:
        engine._finish(CANCELLED_MARK)
    else:
        engine._finish(exc)
