"""asyncio's primitives for the engine: the running loop, one lazy timer per loop, the waits
of the test side and the app side, and the app's task.

Every message of every test passes through here, so the hot path is built from the cheapest
primitives that can time out (see ENGINE-NOTES): a future made only when a side actually has to
wait, and one timer per event loop, armed only for a wait that blocks.

Checked on Python 3.11, 3.12 and 3.13, on asyncio's own loop and on uvloop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import sys
import time
import types
from _thread import get_ident as _get_ident
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from ._base import TIMED_OUT, WOKEN

if TYPE_CHECKING:
    from ._base import AppRun

__all__ = [
    "AsyncioSignal",
    "AsyncioWaits",
    "LoopClock",
    "clock_for",
    "finish_cancelled",
    "running_loop",
    "running_tasks",
    "start_eager",
    "start_lazy",
    "suspend",
]

__tracebackhide__ = True

# Python 3.12+ can run a task's first step at once (eager start). Python 3.11 cannot: there the
# engine runs the app's first step itself, as the app's task (see _asyncio311).
EAGER: Final = sys.version_info >= (3, 12)

# Strong references to running app tasks: asyncio keeps only weak ones, and a pending task that
# is garbage collected prints "Task was destroyed but it is pending!".
running_tasks: set[asyncio.Task[Any]] = set()

# asyncio runs a timer when it is due within the clock's resolution (see BaseEventLoop).
_CLOCK_RESOLUTION: Final = time.get_clock_info("monotonic").resolution


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio event loop running in this thread, or ``None``.

    Fast path: the loop the last engine ran on, if it is running in this thread (asyncio's
    own loop records the thread it runs in; one loop runs per thread at a time). Python
    3.11's ``asyncio.get_running_loop()`` makes a ``getpid()`` system call on every call.
    """
    clock = _clock
    if clock is not None:
        loop = clock.loop
        if getattr(loop, "_thread_id", None) == _get_ident():
            return loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class LoopClock:
    """One lazy timer per event loop, shared by every timed wait of that loop.

    A wait registers its future and its deadline; a timer is armed only when that deadline is
    nearer than the one already armed. When the timer fires it ends the waits that are due and
    re-arms itself for the nearest remaining deadline. A suite of quick waits thus arms about
    one timer per ``timeout`` seconds for the whole loop, instead of one per wait or per
    communicator (a timer costs more than the rest of a short request).
    """

    __slots__ = ("loop", "timer", "waiting", "when")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.timer: asyncio.TimerHandle | None = None
        self.when = math.inf
        self.waiting: dict[asyncio.Future[Any], float] = {}

    def watch(self, future: asyncio.Future[Any], deadline: float) -> None:
        self.waiting[future] = deadline
        if deadline < self.when:
            timer = self.timer
            if timer is not None:
                timer.cancel()
            self.when = deadline
            self.timer = self.loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self.timer = None
        self.when = math.inf
        now = self.loop.time() + _CLOCK_RESOLUTION
        nearest = math.inf
        waiting = self.waiting
        for future, deadline in list(waiting.items()):
            if future.done():
                del waiting[future]
            elif deadline <= now:
                del waiting[future]
                future.set_result(TIMED_OUT)
            elif deadline < nearest:
                nearest = deadline
        if nearest < math.inf:
            self.when = nearest
            self.timer = self.loop.call_at(nearest, self._fire)


_clock: LoopClock | None = None


def clock_for(loop: asyncio.AbstractEventLoop) -> LoopClock:
    """The clock of ``loop`` (one slot: a test suite runs one loop at a time)."""
    global _clock
    clock = _clock
    if clock is None or clock.loop is not loop:
        clock = _clock = LoopClock(loop)
    return clock


class AsyncioWaits:
    """The test side's waits on asyncio, made when the test first has to wait.

    Readers (``Engine.get``) queue in arrival order, and each message the app sends is handed
    to the first reader still waiting: several tasks reading one communicator at once (an
    ``asyncio.gather`` of ``receive_json_from()`` calls) are served in the order they started
    waiting, each with its own timeout, as an ``asyncio.Queue`` serves its getters. Watchers
    (``receive_nothing()``, ``wait()``) are woken by every event and consume nothing.
    Deadlines are watched by the loop's shared clock, not by a timer per wait.
    """

    __slots__ = ("_clock", "_loop", "_outbox", "readers", "watchers")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, clock: LoopClock, outbox: deque[Any]
    ) -> None:
        self._loop = loop
        self._clock = clock
        self._outbox = outbox
        self.readers: deque[asyncio.Future[Any]] = deque()
        self.watchers: list[asyncio.Future[Any]] = []

    async def read(self, timeout: float | None, front: bool = False) -> Any:
        """The next message the app sends; ``TIMED_OUT``, or ``WOKEN`` (the app ended or
        failed). ``front``: the reader was woken for nothing and keeps its place in line."""
        loop = self._loop
        future = loop.create_future()
        readers = self.readers
        if front:
            readers.appendleft(future)
        else:
            readers.append(future)
        clock = None
        if timeout is not None:
            clock = self._clock
            clock.watch(future, loop.time() + timeout)
        try:
            got = await future
        except BaseException:
            # Cancelled (asgiref.timeout around output_queue.get(), the test's cancel scope):
            # a message already handed to this reader goes back to the front, to the next one.
            if clock is not None:
                clock.waiting.pop(future, None)
            if future.done() and not future.cancelled():
                got = future.result()
                if got is not TIMED_OUT and got is not WOKEN:
                    self._outbox.appendleft(got)
                    self.hand_over()
            with contextlib.suppress(ValueError):
                readers.remove(future)
            raise
        if clock is not None:
            clock.waiting.pop(future, None)
        if got is TIMED_OUT:
            with contextlib.suppress(ValueError):
                readers.remove(future)
        return got

    async def watch(self, timeout: float | None) -> bool:
        """Wait for the next event (a message, the app ending); ``False`` on timeout."""
        loop = self._loop
        future = loop.create_future()
        watchers = self.watchers
        watchers.append(future)
        clock = None
        if timeout is not None:
            clock = self._clock
            clock.watch(future, loop.time() + timeout)
        try:
            return (await future) is not TIMED_OUT
        finally:
            watchers.remove(future)
            if clock is not None:
                clock.waiting.pop(future, None)

    def hand_over(self) -> None:
        """Give the waiting messages to the waiting readers, first come first served."""
        readers = self.readers
        outbox = self._outbox
        while readers and outbox:
            future = readers.popleft()
            if not future.done():  # (else it timed out and is about to leave)
                future.set_result(outbox.popleft())

    def notify(self) -> None:
        """A message arrived."""
        if self.readers:
            self.hand_over()
        for future in self.watchers:
            if not future.done():
                future.set_result(WOKEN)

    def wake_all(self) -> None:
        """The app ended or failed: every wait looks again."""
        readers = self.readers
        while readers:
            future = readers.popleft()
            if not future.done():
                future.set_result(WOKEN)
        for future in self.watchers:
            if not future.done():
                future.set_result(WOKEN)


class AsyncioSignal:
    """The app side's wake-up on asyncio: a future made only when the app waits in ``receive()``.

    ``pending`` is the first waiter's future (``None`` when nobody waits): the engine reads it
    to skip ``wake()`` when there is nobody to wake, and to tell that a woken app has not run
    yet. Further tasks of the app in ``receive()`` at once wait on extra futures.
    """

    __slots__ = ("_extra", "_loop", "pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.pending: asyncio.Future[bool] | None = None
        self._extra: list[asyncio.Future[bool]] | None = None

    @property
    def waiting(self) -> bool:
        return self.pending is not None or bool(self._extra)

    def wake(self) -> None:
        future = self.pending
        if future is not None and not future.done():
            future.set_result(True)
        if self._extra:
            for other in self._extra:
                if not other.done():
                    other.set_result(True)

    async def wait(self) -> None:
        """Wait for ``wake()``."""
        future: asyncio.Future[bool] = self._loop.create_future()
        if self.pending is not None:
            if self._extra is None:
                self._extra = []
            self._extra.append(future)
            try:
                await future
            finally:
                self._extra.remove(future)
            return
        self.pending = future
        try:
            await future
        finally:
            if self.pending is future:
                self.pending = None


@types.coroutine
def suspend() -> Generator[None, None, None]:
    """Suspends a coroutine once (a bare yield, as ``asyncio.sleep(0)``)."""
    yield


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _context_of(engine: AppRun) -> contextvars.Context:
    """The context the app runs in: the one its owner chose (a client runs each request in a
    copy of the caller's, as Starlette's TestClient does), else a fresh, empty one."""
    context = engine.app_context
    return context if context is not None else contextvars.Context()


def start_eager(engine: AppRun, loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
    """Python 3.12+: the app's task, whose first step runs now, in its own task and context,
    up to the app's first real wait (its first input is queued: an HTTP app often answers
    without a single event-loop iteration)."""
    task: asyncio.Task[Any] = asyncio.Task(  # type: ignore[call-arg]
        run_app(engine, coro, False),
        loop=loop,
        context=_context_of(engine),
        eager_start=True,
    )
    if not task.done():
        running_tasks.add(task)
    return task


def start_lazy(engine: AppRun, loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
    """The app's task, first run when the test next waits."""
    # The wrapper is advanced to its first suspension point, inside its try, so that a task
    # cancelled before its first step still records the outcome (no done callback needed: it
    # would cost a loop iteration per app).
    wrapper = run_app(engine, coro, True)
    wrapper.send(None)
    task = loop.create_task(wrapper, context=_context_of(engine))
    running_tasks.add(task)
    return task


async def run_app(engine: AppRun, coro: Any, suspend_first: bool) -> Any:
    """The app's task: runs the app and records its outcome as soon as it ends (in this task,
    one loop iteration before a done callback could)."""
    __tracebackhide__ = True
    started = False
    try:
        if suspend_first:
            await suspend()  # where start_task() leaves this coroutine before the task runs it
        started = True
        result = await coro
    except BaseException as exc:  # CancelledError included: the engine tells them apart
        if not started:
            coro.close()  # cancelled before its first step: the app never ran
        app_raised(engine, exc, sys._getframe())
        raise
    finally:
        task = engine._task
        if task is not None:
            running_tasks.discard(task)
    engine._finish(None)
    return result


def app_raised(engine: AppRun, exc: BaseException, frame: types.FrameType) -> None:
    """Record that the app's task ended with ``exc`` (raised by the app, or thrown in)."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # the loop is gone (garbage collection after it closed)
        task = None
    if isinstance(exc, asyncio.CancelledError):
        if not engine.cancelled_by_us:
            # cancelling() > 0: someone cancelled the task (the loop closing, the test);
            # 0: the app raised CancelledError by itself.
            engine.cancelled_from_outside = task is not None and task.cancelling() > 0
    elif task is not None:
        # The failure is reported to the test by the engine: mark the task's exception
        # retrieved, or asyncio logs "never retrieved" when it is collected.
        task.add_done_callback(_retrieve)
    engine._finish(exc)
    tb = engine._result_tb
    if tb is not None and tb.tb_frame is frame:
        # Report the app's traceback from the app's frame, as without this wrapper.
        engine._result_tb = tb.tb_next


def finish_cancelled(tasks: list[asyncio.Task[Any]], timeout: float) -> None:
    """Let cancelled apps unwind now, from a synchronous caller (the plugin's leak check
    between a test and its teardown), on loops that are idle but not closed.

    A runner that closes its loop without running what is left (pytest-asyncio 0.24 to 1.0)
    would otherwise never run the apps' ``finally`` blocks. A loop that runs (in another
    thread, or this thread's own) is left alone: its cancellations arrive there.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return  # called from inside a running loop: it cannot be run from here
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Task[Any]]] = {}
    for task in tasks:
        loop = task.get_loop()
        if not task.done() and not loop.is_closed() and not loop.is_running():
            by_loop.setdefault(loop, []).append(task)
    for loop, pending in by_loop.items():
        loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
