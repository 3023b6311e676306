"""The engine: one running application instance and the two message streams around it.

Every message of every test passes through here, so the hot path is built from the cheapest
primitives that can time out (see ENGINE-NOTES): a ``deque`` per direction, and a waiter that
is created only when a side actually has to wait. A timer is armed only for a wait that blocks.

The engine is backend-aware: it detects the running async library once, when the app starts,
and uses that library's native primitives (asyncio futures and ``call_later``; trio events and
cancel scopes). One behaviour, tested on both.

The engine holds no reference to the communicator object that owns it, so a communicator that
is dropped while its app still runs can be noticed (``__del__``) and the app cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import math
import sys
import time
import types
import warnings
from _thread import get_ident as _get_ident
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from types import CoroutineType, TracebackType
from typing import TYPE_CHECKING, Any, Final

from . import _django
from ._errors import (
    ClientDisconnected,
    InvalidApplication,
    LeakedAppWarning,
    ProtocolError,
    Timeout,
    UsageError,
)
from ._transcript import FROM_APP, TO_APP, Transcript, format_message

if sys.version_info < (3, 12):
    from asyncio.tasks import _enter_task, _leave_task

    _current_tasks: Final[dict[Any, Any]] = asyncio.tasks._current_tasks  # type: ignore[attr-defined]

    _BASE_CREATE_TASK: Final = asyncio.BaseEventLoop.create_task

if TYPE_CHECKING:
    from ._spec import Checker
    from ._types import ASGIApp, Message, Scope

__all__ = ["Engine", "current_backend", "describe_scope"]

# States of the application instance.
NOT_STARTED: Final = "not started"
RUNNING: Final = "running"
FINISHED: Final = "finished"
CRASHED: Final = "crashed"
CANCELLED: Final = "cancelled"
_ENDED: Final = frozenset((FINISHED, CRASHED, CANCELLED))

# Strong references to running app tasks: asyncio keeps only weak ones, and a pending task that
# is garbage collected prints "Task was destroyed but it is pending!".
_running_tasks: set[asyncio.Task[Any]] = set()

# Python 3.12+ can run a task's first step at once (eager start). Python 3.11 cannot: there
# the engine runs the app's first step itself, as the app's task (see Engine._step_now).
_EAGER: Final = sys.version_info >= (3, 12)

# How many of the disconnect messages an app gets again and again are recorded.
_CLOSED_RECEIVES_RECORDED: Final = 50

# How many times receive_nothing() yields, at most, for an app that still has work to do.
_SETTLE_YIELDS: Final = 20
start_hook: Callable[[Engine], None] | None = None
"""Called with every engine as it starts, when set. The pytest plugin sets it for the duration
of each test to find the communicators a test built itself (one global read per start)."""

_TRIO_NEEDS_ASYNC_WITH: Final = """\
Under trio, asgitest runs the application inside a nursery, so a communicator must be entered \
with `async with` before use:

    async with WebsocketCommunicator(app, "/ws/") as communicator:   # correct
        connected, _ = await communicator.connect()

    communicator = WebsocketCommunicator(app, "/ws/")                 # works on asyncio only
    connected, _ = await communicator.connect()
"""


def _running_loop() -> asyncio.AbstractEventLoop | None:
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


def current_backend() -> str:
    """``"asyncio"`` or ``"trio"``: the async library running the current task."""
    if _running_loop() is not None:
        return "asyncio"
    trio = sys.modules.get("trio")
    if trio is not None and trio.lowlevel.in_trio_run():
        return "trio"
    raise UsageError(
        "asgitest must be awaited inside a running asyncio or trio event loop, but no event loop "
        "is running in this thread. Await the communicator's methods from an async test "
        "(pytest-asyncio, anyio's pytest plugin, or async_to_sync)."
    )


def describe_scope(scope: Any) -> str:
    """A short name for a connection, e.g. ``http GET /items?page=2`` or ``websocket /ws/``."""
    try:
        kind = scope.get("type", "?")
        path = scope.get("path", "")
        query = scope.get("query_string") or b""
        if query:
            path = f"{path}?{query.decode('latin-1')}"
        if kind == "http":
            return f"http {scope.get('method', '?')} {path}"
        if kind == "lifespan":
            return "lifespan"
        return f"{kind} {path}".strip()
    except Exception:
        return repr(scope)[:60]


class _Marker:
    """A named sentinel."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<{self._name}>"


class _LoopClock:
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
                future.set_result(_TIMED_OUT)
            elif deadline < nearest:
                nearest = deadline
        if nearest < math.inf:
            self.when = nearest
            self.timer = self.loop.call_at(nearest, self._fire)


_clock: _LoopClock | None = None


def _clock_for(loop: asyncio.AbstractEventLoop) -> _LoopClock:
    """The clock of ``loop`` (one slot: a test suite runs one loop at a time)."""
    global _clock
    clock = _clock
    if clock is None or clock.loop is not loop:
        clock = _clock = _LoopClock(loop)
    return clock


# What a test-side wait ends with, when it is not a message handed to a reader.
_TIMED_OUT: Final = _Marker("timed out")
_WOKEN: Final = _Marker("woken")  # something happened (the app ended or failed): look again


class _AsyncioWaits:
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
        self, loop: asyncio.AbstractEventLoop, clock: _LoopClock, outbox: deque[Any]
    ) -> None:
        self._loop = loop
        self._clock = clock
        self._outbox = outbox
        self.readers: deque[asyncio.Future[Any]] = deque()
        self.watchers: list[asyncio.Future[Any]] = []

    async def read(self, timeout: float | None, front: bool = False) -> Any:
        """The next message the app sends; ``_TIMED_OUT``, or ``_WOKEN`` (the app ended or
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
                if got is not _TIMED_OUT and got is not _WOKEN:
                    self._outbox.appendleft(got)
                    self.hand_over()
            with contextlib.suppress(ValueError):
                readers.remove(future)
            raise
        if clock is not None:
            clock.waiting.pop(future, None)
        if got is _TIMED_OUT:
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
            return (await future) is not _TIMED_OUT
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
                future.set_result(_WOKEN)

    def wake_all(self) -> None:
        """The app ended or failed: every wait looks again."""
        readers = self.readers
        while readers:
            future = readers.popleft()
            if not future.done():
                future.set_result(_WOKEN)
        for future in self.watchers:
            if not future.done():
                future.set_result(_WOKEN)


class _TrioWait:
    """One waiting reader or watcher under trio."""

    __slots__ = ("event", "result")

    def __init__(self, event: Any) -> None:
        self.event = event
        self.result: Any = _TIMED_OUT


class _TrioWaits:
    """The same waits under trio (see :class:`_AsyncioWaits`): a message is handed to the
    first waiting reader before it is woken, so that trio's scheduling order (which it
    deliberately varies) cannot serve readers out of turn."""

    __slots__ = ("_outbox", "_trio", "readers", "watchers")

    def __init__(self, outbox: deque[Any]) -> None:
        import trio

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
            if got is not _TIMED_OUT and got is not _WOKEN:
                self._outbox.appendleft(got)
                self.hand_over()
            with contextlib.suppress(ValueError):
                readers.remove(wait)
            raise
        got = wait.result
        if got is _TIMED_OUT:
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
        return wait.result is not _TIMED_OUT

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
                wait.result = _WOKEN
                wait.event.set()

    def wake_all(self) -> None:
        readers = self.readers
        while readers:
            wait = readers.popleft()
            wait.result = _WOKEN
            wait.event.set()
        for wait in self.watchers:
            if not wait.event.is_set():
                wait.result = _WOKEN
                wait.event.set()


class _AsyncioSignal:
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
def _suspend() -> Generator[None, None, None]:
    """Suspends a coroutine once (a bare yield, as ``asyncio.sleep(0)``)."""
    yield


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


# asyncio runs a timer when it is due within the clock's resolution (see BaseEventLoop).
_CLOCK_RESOLUTION: Final = time.get_clock_info("monotonic").resolution


class _TrioSignal:
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
        import trio

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


class Engine:
    """One application instance and its message streams (no reference to its owner).

    Test side: :meth:`put`, :meth:`get`, :meth:`nothing`, :meth:`join`, :meth:`cancel`.
    App side: :meth:`receive` and :meth:`send` are what the application is called with.
    """

    __slots__ = (
        "__weakref__",
        "_app_signal",
        "_clock",
        "_close_requested",
        "_closed_receives",
        "_http",
        "_context",
        "_inline",
        "_nursery",
        "_result_tb",
        "_stepping",
        "_task",
        "_test_signal",
        "_trio_scope",
        "app",
        "awaiting",
        "backend",
        "checker",
        "cancelled_by_us",
        "cancelled_from_outside",
        "exception",
        "exception_reported",
        "expect_trailers",
        "feeder",
        "inbox",
        "input_closed",
        "outbox",
        "response_complete",
        "scope",
        "send_error",
        "spec_version",
        "started_at",
        "state",
        "transcript",
        "violation",
    )

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        transcript: Transcript,
        checker: Checker | None,
    ) -> None:
        self.app = app
        self.scope = scope
        self.transcript = transcript
        self.checker = checker
        self.inbox: deque[Message] = deque()
        self.outbox: deque[Message] = deque()
        self.state: str = NOT_STARTED
        self.backend: str | None = None
        self.exception: BaseException | None = None
        self._result_tb: TracebackType | None = None
        self.exception_reported = False
        self.violation: ProtocolError | None = None
        self.input_closed: Message | None = None
        self.send_error = False
        self.response_complete = False
        self.expect_trailers = False
        # An optional source of further input (e.g. the chunks of a streamed request body):
        # awaited by the app's receive() when nothing is queued, so chunks are produced only
        # as fast as the app reads them. Returns the next message, or None when exhausted.
        self.feeder: Callable[[], Awaitable[Message | None]] | None = None
        self.cancelled_by_us = False
        # Cancelled by someone else than asgitest (the loop closing, the test's cancel scope),
        # as opposed to the app raising CancelledError itself.
        self.cancelled_from_outside = False
        self.awaiting: str | None = None
        self.started_at = 0.0
        self._task: asyncio.Task[Any] | None = None
        self._stepping = False
        # Python 3.11, until the app's task first runs: its pending first step, its driver and
        # its context (see _step_app_inline). Slots, not a tuple: no object more per idle
        # connection.
        self._inline: asyncio.Handle | None = None
        self._context: contextvars.Context | None = None
        self._nursery: Any = None
        self._trio_scope: Any = None
        self._app_signal: Any = None
        self._test_signal: Any = None
        self._clock: _LoopClock | None = None
        self._close_requested = False
        self._closed_receives = 0
        self._http = scope.get("type") == "http"
        asgi = scope.get("asgi")
        version = asgi.get("spec_version") if isinstance(asgi, dict) else None
        self.spec_version = _version_tuple(version or scope.get("spec_version") or "2.0")

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def done(self) -> bool:
        return self.state in _ENDED

    @property
    def task(self) -> asyncio.Task[Any] | None:
        return self._task

    def bind_nursery(self, nursery: Any) -> None:
        """Under trio: the nursery the app will run in (set by ``async with``)."""
        self._nursery = nursery

    def start(self, eager: bool = False) -> None:
        """Start the application in the running event loop (idempotent).

        ``eager``: the caller has just queued the app's first input. The app's first step then
        runs at once (a server also has the first event ready when it starts an app): as an
        eager task on Python 3.12+, through ``_step_now()`` on 3.11. Otherwise the app first
        runs when the test next waits, so that input queued right after ``start()`` is there
        when it does.
        """
        if self.state != NOT_STARTED:
            return
        loop = _running_loop()
        backend = "asyncio" if loop is not None else current_backend()
        self.backend = backend
        if loop is not None:
            self._clock = _clock_for(loop)
        if start_hook is not None:
            start_hook(self)
        try:
            awaitable = self.app(self.scope, self.receive, self.send)
        except BaseException as exc:
            # The app raised before it could even start (e.g. in its __call__): report it as
            # the app's own failure.
            self._set_started()
            self._finish(exc)
            return
        coro = awaitable if type(awaitable) is CoroutineType else _as_coroutine(awaitable, self.app)
        if loop is not None:
            # The signals are made when a side first waits: the app's when it first blocks in
            # receive() (an HTTP app that finds its request queued never does), the test's
            # when it first waits for the app (a connect() answered in the app's first step
            # does not). Ten thousand idle connections hold fewer objects.
            self._set_started()
            # A fresh, empty contextvars context, as asgiref does: the test's context
            # variables must not leak into the app.
            if eager and loop.get_task_factory() is None:
                # The app's first step runs now, in its own task and context, up to its first
                # real wait. The input queued before start() is read at once, so an HTTP app
                # often answers without a single event-loop iteration.
                if _EAGER:
                    task: asyncio.Task[Any] = asyncio.Task(  # type: ignore[call-arg]
                        self._run_asyncio(coro, False),
                        loop=loop,
                        context=contextvars.Context(),
                        eager_start=True,
                    )
                else:
                    task = self._step_now(loop, coro)
            else:
                # The wrapper is advanced to its first suspension point, inside its try, so
                # that a task cancelled before its first step still records the outcome
                # (no done callback needed: it would cost a loop iteration per app).
                wrapper = self._run_asyncio(coro, True)
                wrapper.send(None)
                task = loop.create_task(wrapper, context=contextvars.Context())
            self._task = task
            if not task.done():
                _running_tasks.add(task)
        else:
            if self._nursery is None:
                coro.close()
                raise UsageError(_TRIO_NEEDS_ASYNC_WITH)
            import trio

            self._app_signal = _TrioSignal()
            self._test_signal = _TrioWaits(self.outbox)
            self._trio_scope = trio.CancelScope()
            self._set_started()
            contextvars.Context().run(self._nursery.start_soon, self._run_trio, coro)

    def _set_started(self) -> None:
        self.state = RUNNING
        # The time of the input just queued, when there is one (a clock read less).
        self.started_at = self.transcript.latest_time()
        _django.acquire()

    async def _run_trio(self, coro: Any) -> None:
        import trio

        exc: BaseException | None = None
        try:
            with self._trio_scope:
                await coro
        except trio.Cancelled:
            # Cancelled from outside the app's own scope: the test's cancel scope (around the
            # communicator's nursery) or the nursery failing. The app has ended all the same.
            self.cancelled_from_outside = True
            self._finish(_CANCELLED)
            raise
        except (KeyboardInterrupt, SystemExit) as error:
            # Let them propagate, as asyncio does.
            self._finish(error)
            raise
        except BaseException as error:
            # An Exception, another BaseException subclass or asyncio.CancelledError: the app's
            # outcome, reported to the test as on asyncio (not through the nursery, which
            # would wrap it in an exception group).
            exc = error
        if exc is None and self._trio_scope.cancelled_caught:
            self._finish(_CANCELLED)
        else:
            self._finish(exc)

    def _step_now(self, loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
        """Python 3.11's eager start: make the app's task, then run the app's first step now,
        as that task (``current_task()`` is the app's task, as anyio's cancel scopes need) and
        in its context. The task's own first step, one loop iteration later, carries on."""
        context = contextvars.Context()
        driver = self._drive_asyncio(coro)
        if type(loop).create_task is _BASE_CREATE_TASK:
            # What BaseEventLoop.create_task does when there is no task factory, minus a
            # Python call.
            task: asyncio.Task[Any] = asyncio.Task(driver, loop=loop, context=context)
        else:
            task = loop.create_task(driver, context=context)
        self._task = task
        # The task's first step, which the task scheduled as it was made (asyncio's own loop
        # keeps it in ``_ready``; other loops are left alone).
        ready = getattr(loop, "_ready", None)
        step = ready[-1] if type(ready) is deque and ready else None
        if isinstance(step, asyncio.Handle) and (
            getattr(getattr(step, "_callback", None), "__self__", None) is task
        ):
            self._inline = step
            self._context = context
        self._step_inline(loop, task, driver, context)
        return task

    def _step_inline(
        self,
        loop: asyncio.AbstractEventLoop,
        task: asyncio.Task[Any],
        driver: Generator[Any, Any, Any],
        context: contextvars.Context,
    ) -> None:
        """Run one step of the app now, as its own task and in its context (Python 3.11; only
        until the task has taken its own first step: the driver hands back what the app
        yields, which the task then waits on when it first runs)."""
        current = _current_tasks.get(loop)
        if current is not None:
            _leave_task(loop, current)
        _enter_task(loop, task)
        self._stepping = True
        try:
            context.run(driver.send, None)
        finally:
            self._stepping = False
            _leave_task(loop, task)
            if current is not None:
                _enter_task(loop, current)
        step = self._inline
        if step is not None and self.state in _ENDED:
            # The app ended before its task ever ran (an HTTP app answering a queued request,
            # a WebSocket app returning on the disconnect): end the task now, as an eager
            # start does, rather than leave a step behind for each connection. The engine
            # holds the outcome; the task only needs to be done.
            self._inline = self._context = None
            step.cancel()
            driver.close()
            if self.state == CANCELLED:
                asyncio.Future.cancel(task)
            else:
                asyncio.Future.set_result(task, None)

    def _step_app_inline(self) -> bool:
        """If the app was woken and its task has not run yet (Python 3.11), take the app's
        step now; ``True`` if it was taken. A test that queues input and then waits thus
        finds the answer without an event-loop iteration, as far as the app answers at once.
        """
        context = self._context
        if self._inline is None or context is None or not self._app_is_due():
            return False
        task = self._task
        if task is None or task.cancelling() or self._clock is None:
            return False
        self._step_inline(self._clock.loop, task, task.get_coro(), context)  # type: ignore[arg-type]
        return True

    async def _run_asyncio(self, coro: Any, suspend_first: bool) -> Any:
        """The app's task: runs the app and records its outcome as soon as it ends (in this
        task, one loop iteration before a done callback could)."""
        __tracebackhide__ = True
        started = False
        try:
            if suspend_first:
                await _suspend()  # where start() leaves this coroutine before the task runs it
            started = True
            result = await coro
        except BaseException as exc:  # CancelledError included: _finish tells them apart
            if not started:
                coro.close()  # cancelled before its first step: the app never ran
            self._app_raised(exc, sys._getframe())
            raise
        finally:
            if self._task is not None:
                _running_tasks.discard(self._task)
        self._finish(None)
        return result

    @types.coroutine
    def _drive_asyncio(self, coro: Any) -> Generator[Any, Any, Any]:
        """The app's task on Python 3.11, whose first step ``start()`` runs at once (as
        ``_run_asyncio``, but a generator: it can hand the task what the app yielded).

        The first ``send`` comes from ``_step_now()``, as the app's task and in its context.
        What the app yielded then (a future it waits on, or ``None`` for a bare yield) goes
        back to ``_step_now()``, which ignores it. The task's own first step arrives next: a
        future that is not done yet is yielded again, now to the task, which waits on it as
        usual. From the moment the app may resume, the app is delegated to with ``yield
        from`` (no Python code between the task and the app per step).
        """
        __tracebackhide__ = True
        try:
            try:
                yielded = coro.send(None)
            except StopIteration as stop:
                result = stop.value
            else:
                while True:
                    try:
                        yield yielded
                    except GeneratorExit:
                        coro.close()
                        raise
                    except BaseException as thrown:  # from the task: a cancel, a bad yield
                        self._inline = self._context = None
                        try:
                            yielded = coro.throw(thrown)
                        except StopIteration as stop:
                            result = stop.value
                            break
                        continue  # (whatever the app yields now goes to the task first)
                    if self._stepping:
                        # Resumed by _step_app_inline(), before the task first ran: if the
                        # future the app waits on is done, take the app's next step and hand
                        # back what it yields (else hand back the same, as if not resumed).
                        if not (asyncio.isfuture(yielded) and yielded.done()):
                            continue
                        try:
                            yielded = coro.send(None)
                        except StopIteration as stop:
                            result = stop.value
                            break
                        continue
                    self._inline = self._context = None  # the task has taken over
                    if yielded is None or not asyncio.isfuture(yielded) or yielded.done():
                        result = yield from coro
                        break
        except BaseException as exc:
            self._app_raised(exc, sys._getframe())
            if self._stepping:
                yield  # end in the task's own first step, not inside start()
            raise
        finally:
            if self._task is not None:
                _running_tasks.discard(self._task)
        self._finish(None)
        if self._stepping:
            yield  # end in the task's own first step, not inside start()
        return result

    def _app_raised(self, exc: BaseException, frame: types.FrameType) -> None:
        """Record that the app's task ended with ``exc`` (raised by the app, or thrown in)."""
        task = asyncio.current_task()
        if isinstance(exc, asyncio.CancelledError):
            if not self.cancelled_by_us:
                # cancelling() > 0: someone cancelled the task (the loop closing, the test);
                # 0: the app raised CancelledError by itself.
                self.cancelled_from_outside = task is not None and task.cancelling() > 0
        elif task is not None:
            # The failure is reported to the test by the engine: mark the task's exception
            # retrieved, or asyncio logs "never retrieved" when it is collected.
            task.add_done_callback(_retrieve)
        self._finish(exc)
        tb = self._result_tb
        if tb is not None and tb.tb_frame is frame:
            # Report the app's traceback from the app's frame, as without this wrapper.
            self._result_tb = tb.tb_next

    def _finish(self, exc: BaseException | None) -> None:
        if self.state in _ENDED:
            return
        _django.release()
        if exc is None:
            self.state = FINISHED
            self.transcript.outcome = "the app returned"
        elif exc is _CANCELLED or isinstance(exc, asyncio.CancelledError):
            self.state = CANCELLED
            who = "asgitest" if self.cancelled_by_us else "the event loop or the test"
            self.transcript.outcome = f"the app was cancelled (by {who})"
        elif exc is None or isinstance(exc, ClientDisconnected):
            # ClientDisconnected propagating out of the app is not the app's failure (R16).
            self.state = FINISHED
            self.transcript.outcome = "the app returned"
        elif self.send_error and _caused_by_disconnect(exc):
            # The app translated our ClientDisconnected into its own exception (Starlette's
            # StreamingResponse raises ClientDisconnect from the OSError): its reaction to the
            # disconnect, not a failure of the test.
            self.state = FINISHED
            self.transcript.outcome = (
                f"the app raised {type(exc).__name__} after send() raised ClientDisconnected "
                "(its reaction to the client disconnect; not reported as a failure)"
            )
        else:
            self.state = CRASHED
            self.exception = exc
            self._result_tb = exc.__traceback__
            self.transcript.outcome = f"the app raised {type(exc).__name__}: {exc}"
        checker = self.checker
        if checker is not None and self.state != CANCELLED:
            try:
                violation = checker.on_exit(None if self.state == FINISHED else exc)
            except ProtocolError as error:
                violation = error
            if violation is not None and self.violation is None:
                self.violation = violation
        waits = self._test_signal
        if waits is not None:
            waits.wake_all()
        app_signal = self._app_signal
        if app_signal is not None and app_signal.waiting:
            app_signal.wake()  # a receive() left behind by the app must not wait forever

    def cancel(self) -> None:
        """Cancel the app if it runs (synchronous: it finishes at the next loop iteration)."""
        if self.state != RUNNING:
            return
        self.cancelled_by_us = True
        if self._task is not None:
            self._task.cancel()
        elif self._trio_scope is not None:
            self._trio_scope.cancel()

    async def cancel_and_wait(self) -> None:
        """Cancel the app and wait until it has finished (bounded: an app that swallows
        cancellation is given up on after a second)."""
        self.cancel()
        if self.state == RUNNING:
            await self._wait_done(1.0)

    # ------------------------------------------------------------------ app side

    async def receive(self) -> Message:
        """What the application awaits as ``receive()``."""
        inbox = self.inbox
        while True:
            if inbox:
                return inbox.popleft()
            closed = self.input_closed
            if closed is not None:
                # Yield first: an app that loops on receive() after the disconnect must not
                # spin the event loop (and so must stay cancellable).
                await self._checkpoint()
                self._closed_receives += 1
                message = dict(closed)
                if self._closed_receives <= _CLOSED_RECEIVES_RECORDED:
                    self.transcript.record(TO_APP, message)
                elif self._closed_receives == _CLOSED_RECEIVES_RECORDED + 1:
                    # An app that loops on receive() must not push everything else out.
                    self.transcript.note(
                        "(the app keeps calling receive() after the disconnect; no longer recorded)"
                    )
                return message
            feeder = self.feeder
            if feeder is not None:
                fed = await feeder()
                if fed is None:
                    self.feeder = None
                elif self.input_closed is None:
                    self.put(fed)
                continue
            if self.done:
                # The app has returned (a task it left behind is receiving): the connection is
                # over, as a server closes it then, and nothing will ever arrive.
                ended = _ENDED_MESSAGES.get(self.scope.get("type"))
                if ended is None:
                    raise UsageError(
                        f"receive() was called after the app of {describe_scope(self.scope)} "
                        "had returned: no further event will ever arrive."
                    )
                self.input_closed = dict(ended)
                continue
            signal = self._app_signal
            if signal is None:
                clock = self._clock
                signal = _TrioSignal() if clock is None else _AsyncioSignal(clock.loop)
                self._app_signal = signal
            if type(signal) is _AsyncioSignal and signal.pending is None:
                # signal.wait(None), inline: one coroutine less kept alive per idle app.
                future = signal._loop.create_future()
                signal.pending = future
                try:
                    await future
                finally:
                    if signal.pending is future:
                        signal.pending = None
            else:
                await signal.wait()

    async def send(self, message: Message) -> None:
        """What the application awaits as ``send(message)``."""
        # Not a dict: possible with strict="off" or "warn" (the checker reports it otherwise).
        kind = message.get("type") if isinstance(message, dict) else None
        if self.send_error:
            self.transcript.note(
                f"(send() of {kind!r} raised ClientDisconnected: the client is gone)"
            )
            raise ClientDisconnected(
                f"the client of {describe_scope(self.scope)} has disconnected; since ASGI "
                "spec 2.4 send() raises an OSError then"
            )
        self.transcript.record(FROM_APP, message)
        checker = self.checker
        if checker is not None:
            try:
                checker.on_send(message)
            except ProtocolError as error:
                if self.violation is None:
                    self.violation = error
                    if self._test_signal is not None:
                        self._test_signal.wake_all()
                raise
        if kind is None:
            pass
        elif self._http:
            if not self.response_complete:
                self._track_http(message)
        elif (
            self.input_closed is None
            and kind == "websocket.close"
            and self.scope.get("type") == "websocket"
        ):
            # The app closed the socket: a server completes the closing handshake and then
            # tells the app the connection is gone.
            self.input_closed = {
                "type": "websocket.disconnect",
                "code": message.get("code", 1000),
            }
            self._wake_app()
        self.outbox.append(message)
        waits = self._test_signal
        if waits is not None and (waits.readers or waits.watchers):
            waits.notify()

    def _track_http(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "http.response.start":
            self.expect_trailers = bool(message.get("trailers", False))
            return
        if kind == "http.response.body":
            if message.get("more_body", False) or self.expect_trailers:
                return
        elif kind == "http.response.trailers":
            if message.get("more_trailers", False):
                return
        elif kind == "http.response.zerocopysend":
            # Behaves like a body message (extension R106).
            if message.get("more_body", False) or self.expect_trailers:
                return
        elif kind != "http.response.pathsend":
            return
        self.response_complete = True
        if self.input_closed is None:
            self.input_closed = {"type": "http.disconnect"}
            self._wake_app()

    def _wake_app(self) -> None:
        signal = self._app_signal
        if signal is not None and signal.waiting:  # (several app tasks may wait)
            signal.wake()

    # ------------------------------------------------------------------ test side

    def put(self, message: Message) -> None:
        """Deliver a message to the app (never blocks)."""
        checker = self.checker
        if checker is not None:
            checker.on_input(message)
        self.transcript.record(TO_APP, message)
        self.inbox.append(message)
        signal = self._app_signal
        if signal is not None and signal.waiting:  # (several app tasks may wait)
            signal.wake()

    def disconnect_client(self, message: Message) -> None:
        """The client goes away: deliver ``message`` now and forever after."""
        self.put(message)
        self.mark_disconnected(message)

    def mark_disconnected(self, message: Message) -> None:
        """After ``message`` (already delivered), the client is gone: ``receive()`` keeps
        returning it, and from spec 2.4 on the app's ``send()`` raises ClientDisconnected."""
        self.input_closed = message
        if self.spec_version >= (2, 4):
            self.send_error = True
        if self.checker is not None:
            self.checker.on_disconnect()

    def raise_failure(self) -> None:
        """Raise the app's exception or the first spec violation, if there is one."""
        violation = self.violation
        if violation is not None:
            if violation is self.exception or self.exception is None:
                self.exception_reported = True
            raise violation.with_traceback(violation.__traceback__)
        exc = self.exception
        if exc is not None:
            self.exception_reported = True
            raise exc.with_traceback(self._result_tb)

    @property
    def failed(self) -> bool:
        return self.violation is not None or self.exception is not None

    async def get(self, timeout: float | None, awaited: str) -> Message:
        """The next message from the app; raises the app's failure at once, else Timeout.

        Several tasks may wait at once: they are served in the order they started waiting.
        """
        if self.violation is not None or self.exception is not None:
            self.raise_failure()
        outbox = self.outbox
        if outbox:
            # (A message waits only when no reader does: each is handed to a waiting reader.)
            return outbox.popleft()
        if self.state == NOT_STARTED:
            self.start()
        elif self._inline is not None and self._step_app_inline():
            if self.violation is not None or self.exception is not None:
                self.raise_failure()
            if outbox:
                return outbox.popleft()
        waits = self._test_signal
        if self.state == RUNNING and self._app_is_due() and not (waits and waits.readers):
            # The app was woken (by the input just queued) and runs before this task: let it
            # take that step first, then look again. An app that answers at once is read in
            # the same loop iteration, without a future to wait on.
            await _suspend()
            if self.violation is not None or self.exception is not None:
                self.raise_failure()
            if outbox:
                return outbox.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        if waits is None:
            waits = self._new_test_signal()
        front = False
        while True:
            if self.state in _ENDED:
                if self.violation is not None or self.exception is not None:
                    self.raise_failure()
                if outbox and not waits.readers:
                    return outbox.popleft()
                raise self.timeout_error(timeout, awaited, ended=True)
            got = await waits.read(remaining, front)
            if self.violation is not None or self.exception is not None:
                if got is not _TIMED_OUT and got is not _WOKEN:
                    outbox.appendleft(got)  # the failure first, as when it is found waiting
                self.raise_failure()
            if got is not _TIMED_OUT and got is not _WOKEN:
                return got  # type: ignore[no-any-return]
            if outbox and not waits.readers:
                return outbox.popleft()
            front = got is _WOKEN  # woken for nothing: keep this reader's place in line
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if got is _TIMED_OUT or remaining <= 0:
                    if self.done:
                        continue  # report the ending rather than the timeout
                    raise self.timeout_error(timeout, awaited)

    async def nothing(self, timeout: float) -> bool:
        """``True`` if the app sends nothing within ``timeout`` seconds (event-driven)."""
        if self.violation is not None or self.exception is not None:
            self.raise_failure()
        if self.outbox:
            return False
        if self.state == NOT_STARTED:
            self.start()
        # Yield at least once, and while the app has input it has not taken yet (bounded), so
        # that an app that is ready to answer gets to run even with timeout=0: trio, for one,
        # may schedule the app after the test within one batch.
        for _ in range(_SETTLE_YIELDS):
            await self._checkpoint()
            if self.outbox or not self._app_busy():
                break
        deadline = time.monotonic() + max(timeout, 0.0)
        waits = self._test_signal
        if waits is None:
            waits = self._new_test_signal()
        while True:
            if self.violation is not None or self.exception is not None:
                self.raise_failure()
            if self.outbox:
                return False
            remaining = deadline - time.monotonic()
            if self.done or remaining <= 0:
                return True
            await waits.watch(remaining)

    async def join(self, timeout: float | None, awaited: str, cancel: bool = False) -> None:
        """Wait until the app has finished; raises its failure, or Timeout (after cancelling
        the app when ``cancel``)."""
        if self.state == NOT_STARTED:
            self.start()
        if self.state == RUNNING and not await self._wait_done(timeout):
            if not cancel:
                raise self.timeout_error(timeout, awaited)
            error = self.timeout_error(
                timeout,
                awaited,
                then="asgitest cancelled the app, as asgiref's wait() does when it times out.",
            )
            await self.cancel_and_wait()
            raise error
        if self.violation is not None or self.exception is not None:
            self.raise_failure()

    async def _wait_done(self, timeout: float | None) -> bool:
        if self.state != RUNNING:
            return True
        if self._inline is not None and self._step_app_inline() and self.state != RUNNING:
            return True
        if self._app_is_due():
            await _suspend()  # as in get(): an app that ends at once has ended after this
            if self.state != RUNNING:
                return True
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        waits = self._test_signal
        if waits is None:
            waits = self._new_test_signal()
        while True:
            if remaining is not None and remaining <= 0:
                return False
            await waits.watch(remaining)
            if self.state != RUNNING:
                return True
            if deadline is not None:
                remaining = deadline - time.monotonic()

    def _app_is_due(self) -> bool:
        """Whether the app (on asyncio) was woken from its ``receive()`` and has not run yet:
        its task is then already in the event loop's queue, ahead of a task that yields now.
        """
        signal = self._app_signal
        if type(signal) is _AsyncioSignal:
            future = signal.pending
            return future is not None and future.done()
        return False

    def _new_test_signal(self) -> Any:
        """The test side's waits, made when the test first waits (asyncio; trio's are made
        at start)."""
        clock = self._clock
        if clock is None:  # (cannot happen: start() sets it on asyncio)
            raise RuntimeError("asgitest: the engine waited before its app was started")
        waits = self._test_signal = _AsyncioWaits(clock.loop, clock, self.outbox)
        return waits

    @property
    def readers_waiting(self) -> bool:
        """Whether a task is waiting for the app's next message."""
        waits = self._test_signal
        return waits is not None and bool(waits.readers)

    def _app_busy(self) -> bool:
        """Whether the app could still act without new input (not parked in an idle receive)."""
        if self.state != RUNNING:
            return False
        signal = self._app_signal
        return not (signal is not None and signal.waiting and not self.inbox)

    async def _checkpoint(self) -> None:
        if self.backend == "trio":
            import trio

            await trio.lowlevel.checkpoint()
        else:
            await asyncio.sleep(0)

    # ------------------------------------------------------------------ reporting

    def app_state_text(self) -> str:
        """The app's state in words, for error messages: what it sent, where it waits."""
        if self.state == RUNNING:
            since = time.monotonic() - self.started_at
            sent = self.transcript.sent_by_app()
            if sent:
                count = len(sent)
                more = "more than " if self.transcript.dropped else ""
                did = (
                    f"it has sent {more}{count} message{'s' if count != 1 else ''} (the last "
                    f"{format_message(sent[-1])})"
                )
            else:
                did = "it has not sent anything yet"
            head = f"The app is still running ({since:.2f}s since it started); {did}"
            signal = self._app_signal
            if signal is not None and signal.waiting:
                pending = len(self.inbox)
                return (
                    f"{head}, and it is blocked in receive(), waiting for the test to send it "
                    "a message" + (f" ({pending} queued)" if pending else "") + "."
                )
            closed = self.input_closed
            if closed is not None and self._closed_receives:
                return (
                    f"{head}, and it keeps calling receive(), which returns "
                    f'"{closed.get("type")}" ({self._closed_receives} times so far) because '
                    "the client is gone: it does not return on the disconnect."
                )
            return (
                f"{head}, and it is not waiting in receive(): it is busy, or waiting on "
                "something else (a sleep, a lock, a queue, another task)."
            )
        if self.state == FINISHED:
            return "The app has already returned, so nothing more can arrive."
        if self.state == CANCELLED:
            return "The app was cancelled, so nothing more can arrive."
        if self.state == CRASHED:
            return f"The app crashed with {type(self.exception).__name__}."
        return "The app has not been started."

    def timeout_error(
        self, timeout: float | None, awaited: str, ended: bool = False, then: str = ""
    ) -> Timeout:
        where = describe_scope(self.scope)
        if ended:
            head = (
                f"Expected {awaited} from the app ({where}), but the app ended without sending it."
            )
        else:
            source = "" if awaited.startswith("the app") else " from the app"
            head = f"Timed out after {timeout:g}s waiting for {awaited}{source} ({where})."
        text = f"{head}\n{self.app_state_text()}"
        if then:
            text = f"{text}\n{then}"
        self.transcript.note(
            f"(the test gave up waiting for {awaited})"
            if not ended
            else f"(the test expected {awaited})"
        )
        return Timeout(
            text,
            timeout=timeout,
            awaited=awaited,
            app_state=self.state,
            transcript=self.transcript,
            scope=self.scope,
        )

    def leak_warning(self, why: str) -> None:
        warnings.warn(
            f"asgitest cancelled the app of {describe_scope(self.scope)}: {why}",
            LeakedAppWarning,
            stacklevel=3,
        )


# What a receive() gets once the app has returned (the server closed the connection).
_ENDED_MESSAGES: Final[dict[Any, Message]] = {
    "http": {"type": "http.disconnect"},
    "websocket": {"type": "websocket.disconnect", "code": 1006},
}


class _Cancelled(BaseException):
    """Marks a cancelled app in ``_finish``."""


_CANCELLED: Final = _Cancelled()


def _caused_by_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling (or from) a ClientDisconnected."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ClientDisconnected):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


_VERSIONS: dict[Any, tuple[int, ...]] = {}


def _version_tuple(text: Any) -> tuple[int, ...]:
    try:
        return _VERSIONS[text]
    except (KeyError, TypeError):
        pass
    try:
        version = tuple(int(part) for part in str(text).split("."))
    except ValueError:
        version = (2, 0)
    if type(text) is str and len(_VERSIONS) < 64:
        _VERSIONS[text] = version
    return version


def _as_coroutine(awaitable: Any, app: Any) -> Any:
    if inspect.iscoroutine(awaitable):
        return awaitable
    if inspect.isawaitable(awaitable):

        async def await_it() -> Any:
            return await awaitable

        return await_it()
    name = getattr(app, "__qualname__", type(app).__name__)
    raise InvalidApplication(
        f"asgitest called the application {name}(scope, receive, send), and it returned "
        f"{awaitable!r} instead of an awaitable. An ASGI application must be an async callable: "
        f"write `async def {name}(scope, receive, send)`."
    )


def format_unexpected(expected: str, message: Message) -> str:
    """``expected "X", got "Y"`` with the message itself."""
    return f"expected {expected}, got {format_message(message)}"
