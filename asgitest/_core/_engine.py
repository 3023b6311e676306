"""The engine: one running application instance and the two message streams around it.

The engine is backend-aware: it detects the running async library once, when the app starts,
and uses that library's own primitives (``_asyncio``, ``_asyncio311``, ``_trio``). One behaviour,
tested on both. It knows no protocol: the spec checker and the protocol layer's
:class:`~asgitest._protocol.Connection` are handed in, and called on every message.

The engine holds no reference to the communicator that owns it, so a communicator that is
dropped while its app still runs can be noticed (``__del__``) and the app cancelled.

Its interface, for the rooms above it:

- lifecycle: :meth:`Engine.start`, :meth:`~Engine.cancel`, :meth:`~Engine.cancel_and_wait`,
  :meth:`~Engine.bind_nursery` (trio), and the state read-only: ``state``, ``running``,
  ``done``, ``failed``, ``task``, ``backend``, ``exception``, ``violation``, ``input_closed``;
- test side: :meth:`~Engine.put`, :meth:`~Engine.take`, :meth:`~Engine.get`,
  :meth:`~Engine.nothing`, :meth:`~Engine.join`, :meth:`~Engine.wait_done`,
  :meth:`~Engine.disconnect_client`, :meth:`~Engine.mark_disconnected`,
  :meth:`~Engine.raise_failure`, and the reporting helpers;
- app side: :meth:`~Engine.receive` and :meth:`~Engine.send`, what the app is called with.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from types import CoroutineType, TracebackType
from typing import TYPE_CHECKING, Any, Final

from .._errors import (
    ClientDisconnected,
    InvalidApplication,
    LeakedAppWarning,
    ProtocolError,
    Timeout,
    UsageError,
)
from .._protocol import spec_version
from .._scopes import describe_scope
from .._transcript import FROM_APP, TO_APP, Transcript, format_message
from . import _hooks
from ._asyncio import (
    EAGER,
    AsyncioSignal,
    AsyncioWaits,
    clock_for,
    running_loop,
    running_tasks,
    start_eager,
    start_lazy,
    suspend,
)
from ._base import CANCELLED_MARK, TIMED_OUT, WOKEN

if not EAGER:
    from ._asyncio311 import step_app_inline, step_now

if TYPE_CHECKING:
    import contextvars
    from typing import Protocol

    from .._protocol import Connection
    from .._types import ASGIApp, Message, Scope
    from ._asyncio import LoopClock

    class Checker(Protocol):  # what the spec checker offers the engine (see asgitest._spec)
        def on_input(self, message: Message) -> None: ...
        def on_send(self, message: Message) -> None: ...
        def on_disconnect(self) -> None: ...
        def on_exit(self, exc: BaseException | None) -> ProtocolError | None: ...


__all__ = [
    "CANCELLED",
    "CRASHED",
    "FINISHED",
    "NOT_STARTED",
    "RUNNING",
    "Engine",
    "current_backend",
    "running_tasks",
]

__tracebackhide__ = True

# States of the application instance.
NOT_STARTED: Final = "not started"
RUNNING: Final = "running"
FINISHED: Final = "finished"
CRASHED: Final = "crashed"
CANCELLED: Final = "cancelled"
_ENDED: Final = frozenset((FINISHED, CRASHED, CANCELLED))

# How many of the disconnect messages an app gets again and again are recorded.
_CLOSED_RECEIVES_RECORDED: Final = 50

# How many times receive_nothing() yields, at most, for an app that still has work to do.
_SETTLE_YIELDS: Final = 20

_TRIO_NEEDS_ASYNC_WITH: Final = """\
Under trio, asgitest runs the application inside a nursery, so a communicator must be entered \
with `async with` before use:

    async with WebsocketCommunicator(app, "/ws/") as communicator:   # correct
        connected, _ = await communicator.connect()

    communicator = WebsocketCommunicator(app, "/ws/")                 # works on asyncio only
    connected, _ = await communicator.connect()
"""

_OTHER_LOOP: Final = """\
{where} was started on one event loop and is now used on another. A communicator belongs to \
the loop its app runs on: make it inside the test (or the fixture) that uses it, with the \
same event loop (for pytest-asyncio, the same loop_scope)."""


def current_backend() -> str:
    """``"asyncio"`` or ``"trio"``: the async library running the current task."""
    if running_loop() is not None:
        return "asyncio"
    if "trio" in sys.modules:
        from ._trio import in_trio_run

        if in_trio_run():
            return "trio"
    raise UsageError(
        "asgitest must be awaited inside a running asyncio or trio event loop, but no event loop "
        "is running in this thread. Await the communicator's methods from an async test "
        "(pytest-asyncio, anyio's pytest plugin, or async_to_sync)."
    )


class Engine:
    """One application instance and its message streams (no reference to its owner).

    Test side: :meth:`put`, :meth:`get`, :meth:`nothing`, :meth:`join`, :meth:`cancel`.
    App side: :meth:`receive` and :meth:`send` are what the application is called with.
    """

    __slots__ = (
        "__weakref__",
        "_app_signal",
        "_clock",
        "_closed_receives",
        "_connection",
        "_context",
        "_inline",
        "_nursery",
        "_result_tb",
        "_stepping",
        "_task",
        "_test_signal",
        "_trio_scope",
        "app",
        "app_context",
        "backend",
        "cancelled_by_us",
        "cancelled_from_outside",
        "checker",
        "exception",
        "exception_reported",
        "feeder",
        "inbox",
        "input_closed",
        "outbox",
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
        connection: Connection | None,
    ) -> None:
        self.app = app
        self.scope = scope
        self.transcript = transcript
        self.checker = checker
        self._connection = connection
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
        # An optional source of further input (e.g. the chunks of a streamed request body):
        # awaited by the app's receive() when nothing is queued, so chunks are produced only
        # as fast as the app reads them. Returns the next message, or None when exhausted.
        self.feeder: Callable[[], Awaitable[Message | None]] | None = None
        self.cancelled_by_us = False
        # Cancelled by someone else than asgitest (the loop closing, the test's cancel scope),
        # as opposed to the app raising CancelledError itself.
        self.cancelled_from_outside = False
        self.started_at = 0.0
        self._task: asyncio.Task[Any] | None = None
        self._stepping = False
        # Python 3.11, until the app's task first runs: its pending first step and its context
        # (see _asyncio311). Slots, not a tuple: no object more per idle connection.
        self._inline: asyncio.Handle | None = None
        self._context: contextvars.Context | None = None
        self._nursery: Any = None
        self._trio_scope: Any = None
        self._app_signal: Any = None
        self._test_signal: Any = None
        self._clock: LoopClock | None = None
        self._closed_receives = 0
        self.spec_version = spec_version(scope)
        # The contextvars context the app runs in (None: a fresh, empty one, as asgiref).
        self.app_context: contextvars.Context | None = None

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
        runs at once (a server also has the first event ready when it starts an app).
        Otherwise the app first runs when the test next waits, so that input queued right
        after ``start()`` is there when it does.
        """
        if self.state != NOT_STARTED:
            return
        loop = running_loop()
        self.backend = "asyncio" if loop is not None else current_backend()
        if loop is not None:
            self._clock = clock_for(loop)
        for watcher in _hooks.starts:
            watcher(self)
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
            # The waits are made when a side first waits: the app's when it first blocks in
            # receive() (an HTTP app that finds its request queued never does), the test's
            # when it first waits for the app (a connect() answered in the app's first step
            # does not). Ten thousand idle connections hold fewer objects.
            self._set_started()
            if eager and loop.get_task_factory() is None:
                if EAGER:
                    self._task = start_eager(self, loop, coro)
                else:
                    self._task = step_now(self, loop, coro)
            else:
                self._task = start_lazy(self, loop, coro)
        else:
            if self._nursery is None:
                coro.close()
                raise UsageError(_TRIO_NEEDS_ASYNC_WITH)
            from . import _trio

            _trio.start(self, self._nursery, coro)

    def _set_started(self) -> None:
        self.state = RUNNING
        # The time of the input just queued, when there is one (a clock read less).
        self.started_at = self.transcript.latest_time()
        _hooks.started()

    def _finish(self, exc: BaseException | None) -> None:
        if self.state in _ENDED:
            return
        _hooks.stopped()
        if exc is None:
            self.state = FINISHED
            self.transcript.outcome = "the app returned"
        elif exc is CANCELLED_MARK or isinstance(exc, asyncio.CancelledError):
            self.state = CANCELLED
            who = "asgitest" if self.cancelled_by_us else "the event loop or the test"
            self.transcript.outcome = f"the app was cancelled (by {who})"
        elif isinstance(exc, ClientDisconnected):
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
        if self._task is not None:
            if self._task.get_loop().is_closed():
                # The loop closed under the app (a runner that closes it before the test's
                # teardown is over): nothing can run any more, so there is nothing to cancel.
                return
            self.cancelled_by_us = True
            self._task.cancel()
            return
        self.cancelled_by_us = True
        if self._trio_scope is not None:
            self._trio_scope.cancel()

    @property
    def loop_closed(self) -> bool:
        """Whether the app runs on an asyncio loop that has been closed under it."""
        return self._task is not None and self._task.get_loop().is_closed()

    @staticmethod
    def finish_cancelled(engines: list[Engine], timeout: float = 1.0) -> None:
        """Let the cancelled apps of ``engines`` unwind now, where their asyncio loop is idle
        (for a synchronous caller: see :func:`._asyncio.finish_cancelled`)."""
        tasks = [engine._task for engine in engines if engine._task is not None]
        if tasks:
            from ._asyncio import finish_cancelled

            finish_cancelled(tasks, timeout)

    async def cancel_and_wait(self) -> None:
        """Cancel the app and wait until it has finished (bounded: an app that swallows
        cancellation is given up on after a second)."""
        self.cancel()
        if self.state == RUNNING:
            await self.wait_done(1.0)

    # ------------------------------------------------------------------ app side

    async def receive(self) -> Message:
        """What the application awaits as ``receive()``."""
        inbox = self.inbox
        while True:
            if inbox:
                return inbox.popleft()
            closed = self.input_closed
            if closed is not None:
                # The first receive() after the disconnect returns it at once (Starlette's
                # is_disconnected() reads it inside a cancelled scope); later ones yield
                # first: an app that loops on receive() after the disconnect must not spin
                # the event loop (and so must stay cancellable).
                if self._closed_receives:
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
                connection = self._connection
                ended = connection.after_end if connection is not None else None
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
                if clock is None:
                    from ._trio import TrioSignal

                    signal = TrioSignal()
                else:
                    signal = AsyncioSignal(clock.loop)
                self._app_signal = signal
            if type(signal) is AsyncioSignal and signal.pending is None:
                # signal.wait(), inline: one coroutine less kept alive per idle app.
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
        connection = self._connection
        if connection is not None and kind is not None:
            closing = connection.sent(message)
            if closing is not None:
                # The connection is over for the server (a complete response, the app closed
                # the socket): from now on receive() says so.
                self._connection_over(closing)
        self.outbox.append(message)
        waits = self._test_signal
        if waits is not None and (waits.readers or waits.watchers):
            waits.notify()

    def _connection_over(self, message: Message) -> None:
        if self.input_closed is None:
            self.input_closed = message
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
            try:
                signal.wake()
            except RuntimeError as error:  # the app's loop is closed
                raise UsageError(_OTHER_LOOP.format(where=describe_scope(self.scope))) from error

    def take(self) -> Message | None:
        """The app's next message if it is already waiting and nothing failed, else ``None``
        (the helpers' fast path: what :meth:`get` would return without waiting)."""
        outbox = self.outbox
        if outbox and self.exception is None and self.violation is None:
            return outbox.popleft()
        return None

    def take_input(self) -> Message | None:
        """The oldest message the test queued that the app has not received yet, taken back
        (``input_queue.get_nowait()``), or ``None``."""
        inbox = self.inbox
        return inbox.popleft() if inbox else None

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

    def client_gone(self) -> Message | None:
        """A new message telling the app its client went away, if its protocol has one."""
        connection = self._connection
        if connection is None:
            from .._protocol import connection_for

            connection = connection_for(self.scope)
        return connection.client_gone() if connection is not None else None

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
        elif self._inline is not None and step_app_inline(self):
            if self.violation is not None or self.exception is not None:
                self.raise_failure()
            if outbox:
                return outbox.popleft()
        waits = self._test_signal
        if self.state == RUNNING and self._app_is_due() and not (waits and waits.readers):
            # The app was woken (by the input just queued) and runs before this task: let it
            # take that step first, then look again. An app that answers at once is read in
            # the same loop iteration, without a future to wait on.
            await suspend()
            if self.violation is not None or self.exception is not None:
                self.raise_failure()
            if outbox:
                return outbox.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        if waits is None:
            waits = self._new_test_waits()
        elif type(waits) is AsyncioWaits:
            self._check_loop(waits)
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
                if got is not TIMED_OUT and got is not WOKEN:
                    outbox.appendleft(got)  # the failure first, as when it is found waiting
                self.raise_failure()
            if got is not TIMED_OUT and got is not WOKEN:
                return got  # type: ignore[no-any-return]
            if outbox and not waits.readers:
                return outbox.popleft()
            front = got is WOKEN  # woken for nothing: keep this reader's place in line
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if got is TIMED_OUT or remaining <= 0:
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
            waits = self._new_test_waits()
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
        if self.state == RUNNING and not await self.wait_done(timeout):
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

    async def wait_done(self, timeout: float | None) -> bool:
        """Wait until the app has ended; ``False`` if ``timeout`` seconds passed first."""
        if self.state != RUNNING:
            return True
        if self._inline is not None and step_app_inline(self) and self.state != RUNNING:
            return True
        if self._app_is_due():
            await suspend()  # as in get(): an app that ends at once has ended after this
            if self.state != RUNNING:
                return True
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        waits = self._test_signal
        if waits is None:
            waits = self._new_test_waits()
        elif type(waits) is AsyncioWaits:
            self._check_loop(waits)
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
        if type(signal) is AsyncioSignal:
            future = signal.pending
            return future is not None and future.done()
        return False

    def _new_test_waits(self) -> AsyncioWaits:
        """The test side's waits, made when the test first waits (asyncio; trio's are made
        at start)."""
        clock = self._clock
        if clock is None:  # (cannot happen: start() sets it on asyncio)
            raise RuntimeError("asgitest: the engine waited before its app was started")
        waits = self._test_signal = AsyncioWaits(clock.loop, clock, self.outbox)
        self._check_loop(waits)
        return waits

    def _check_loop(self, waits: AsyncioWaits) -> None:
        if waits._loop is not running_loop():
            raise UsageError(_OTHER_LOOP.format(where=describe_scope(self.scope)))

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
            from ._trio import checkpoint

            await checkpoint()
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
