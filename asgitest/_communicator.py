"""ApplicationCommunicator: asgiref's public surface on asgitest's engine, plus ``async with``."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from . import _config, _django  # noqa: F401  (_django registers its guard with the engine)
from ._app import resolve_application
from ._assertions import ExpectMixin
from ._config import DEFAULT, normalize_strict, parse_timeout, scale_timeout
from ._core import CANCELLED, CRASHED, NOT_STARTED, Engine, current_backend
from ._errors import AsgitestError, UnexpectedMessage, UsageError
from ._protocol import connection_for
from ._scopes import complete_scope, describe_scope
from ._spec import make_checker, parse_rule_ids
from ._transcript import DEFAULT_TRANSCRIPT_SIZE, Transcript, format_message

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ._config import DefaultArg, RulesArg, StrictArg, TimeoutArg
    from ._types import Message, Scope

__all__ = ["DEFAULT", "ApplicationCommunicator"]


class ApplicationCommunicator(ExpectMixin):
    """Runs one ASGI application instance and lets the test talk to it, message by message.

    The same public surface as ``asgiref.testing.ApplicationCommunicator`` (``send_input``,
    ``receive_output``, ``receive_nothing``, ``wait``, ``stop``, the same-object ``scope``, the
    app started in an empty contextvars context), running on asyncio or trio, with:

    - the app's exception raised *at once* by whichever call is waiting, as itself;
    - :class:`~asgitest.Timeout` (a ``TimeoutError``) that says what was awaited, the app's
      state and the last messages, and that does **not** cancel the app;
    - a :attr:`transcript` of every message, and the ASGI spec checker on every message;
    - ``async with``: on exit the connection is closed, the app stopped, and an exception it
      raised is re-raised.

    Args:
        application: any ASGI application (ASGI 3, ASGI 2 double callable, or an instance
            with an async ``__call__``).
        scope: the connection scope, handed to the app as this very object.
        timeout: the default of every wait, in seconds (``None`` waits forever, e.g. for a
            debugger). Multiplied by the timeout factor (``ASGITEST_TIMEOUT_FACTOR``).
        strict: spec checking: ``"error"`` (default), ``"pedantic"``, ``"warn"`` or ``"off"``.
        ignore_rules: rule ids to waive, e.g. ``["R82"]`` or ``"R82 R8"``: their findings
            are listed in the transcript as waived instead of failing the test. Added to
            those of the pytest settings (``asgi_ignore_rules``, the ``asgi`` marker).
        transcript_size: how many messages the transcript keeps.

    Example:
        ```python
        async with ApplicationCommunicator(app, {"type": "http", ...}) as communicator:
            await communicator.send_input({"type": "http.request", "body": b""})
            start = await communicator.receive_output()
        ```
    """

    _plain_io: ClassVar[bool] = True
    """Whether ``send_input``/``receive_output``/``wait`` are asgitest's own: the helpers may
    then skip them on their hot paths. A subclass that overrides one (as channels' tests do, to
    watch the calls) gets every call through them, as channels' helpers make them."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_io = (
            cls.send_input is ApplicationCommunicator.send_input
            and cls.receive_output is ApplicationCommunicator.receive_output
            and cls.wait is ApplicationCommunicator.wait
        )

    def __init__(
        self,
        application: Any,
        scope: Scope,
        *,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        transcript_size: int | None = DEFAULT_TRANSCRIPT_SIZE,
        _scope_key: Hashable | None = None,
    ) -> None:
        self.application = resolve_application(application)
        if _scope_key is None:
            # A scope the test wrote itself holds what its app reads; a server always sends
            # more (http_version, asgi, ...): fill that in, in place (the same object).
            complete_scope(scope)
        self.scope = scope
        # What the caller leaves out comes from the active settings: asgitest's defaults, or
        # those of the running test (ini file, command line, asgi marker) under pytest.
        settings = _config._active
        self.timeout = settings.timeout if timeout is DEFAULT else parse_timeout(timeout)
        if strict is DEFAULT:
            self.strict = settings.strict
        else:
            self.strict = "error" if strict == "error" else normalize_strict(strict)  # type: ignore[arg-type]
        ignored = settings.ignore_rules
        if ignore_rules is not DEFAULT:
            ignored = ignored | parse_rule_ids(ignore_rules)
        self.ignore_rules = ignored
        """The rule ids whose findings are waived (listed in the transcript as waived)."""
        self.transcript = Transcript(transcript_size)
        """Every message exchanged with the app, in order (see :class:`~asgitest.Transcript`)."""
        # _scope_key: the subclass built the scope with asgitest's builders from these inputs,
        # so its verdict can be cached (the user's headers are still checked every time).
        checker = make_checker(
            scope, self.strict, self.transcript, scope_key=_scope_key, ignore_rules=ignored
        )
        self._engine = Engine(
            self.application,
            scope,
            self.transcript,
            checker,
            connection_for(scope),
        )
        self._nursery_cm: Any = None
        self._closed = False
        # What a helper (connect, get_response, startup, ...) is reading now, in words, for
        # its Timeout and for receive_output() (which an override may replace) to check.
        self._awaiting: str | None = None

    # ------------------------------------------------------------------ helpers

    def _check_timeout(self, timeout: Any) -> None:
        """Refuse a bad ``timeout`` argument before anything is sent (InvalidArgument)."""
        __tracebackhide__ = True
        if timeout is DEFAULT or timeout is None:
            return
        if type(timeout) is float or type(timeout) is int:
            if timeout >= 0:
                return
        parse_timeout(timeout)

    def _given(self, timeout: TimeoutArg) -> float | None:
        """The timeout to pass on to an overridable method (a subclass's override, written
        for channels, gets a number or None, as channels' helpers pass it; not DEFAULT)."""
        return self.timeout if timeout is DEFAULT else timeout  # type: ignore[return-value]

    def _timeout(self, timeout: TimeoutArg) -> float | None:
        """A wait's timeout in seconds, the factor applied (validated when given)."""
        __tracebackhide__ = True
        if timeout is DEFAULT:
            timeout = self.timeout
        elif not (type(timeout) is float and timeout >= 0.0) and timeout is not None:
            timeout = parse_timeout(timeout)
        return scale_timeout(timeout)

    def __repr__(self) -> str:
        engine = getattr(self, "_engine", None)
        state = engine.state if engine is not None else "broken"
        scope = getattr(self, "scope", None)
        return f"<{type(self).__name__} {describe_scope(scope)} [{state}]>"

    # ------------------------------------------------------------------ asgiref surface

    @property
    def future(self) -> Any:
        """The app's task (asyncio), started on first access, as in asgiref.

        Under trio there is no task object; this gives a small stand-in with ``done()``,
        ``cancelled()``, ``result()`` and ``exception()``.
        """
        engine = self._engine
        engine.start()
        if engine.task is not None:
            return engine.task
        return _TrioOutcome(engine)

    @property
    def input_queue(self) -> _QueueView:
        """A queue-like view of the messages waiting for the app (asgiref compatibility)."""
        return _QueueView(self, to_app=True)

    @property
    def output_queue(self) -> _QueueView:
        """A queue-like view of the messages the app sent (asgiref compatibility)."""
        return _QueueView(self, to_app=False)

    async def send_input(self, message: Message) -> None:
        """Send a message to the application (never blocks; the app runs later).

        Raises the app's exception if it already crashed.
        """
        self._put(message)

    def _put(self, message: Message) -> None:
        """What :meth:`send_input` does (synchronous, for the helpers' hot paths)."""
        engine = self._engine
        if engine.state == NOT_STARTED:
            # Queued first: on Python 3.12+ the app's first step runs inside start().
            engine.put(message)
            engine.start(eager=True)
            return
        if engine.exception is not None or engine.violation is not None:
            engine.raise_failure()
        engine.put(message)

    def _waiting_message(self) -> Message | None:
        """The app's next message if it is already there, a dict, and nothing failed (the
        helpers' hot path: what ``receive_output()`` would return without waiting), else
        ``None``. Only for communicators whose asgiref methods are asgitest's own."""
        engine = self._engine
        outbox = engine.outbox
        if outbox and self._plain_io and type(outbox[0]) is dict:
            return engine.take()
        return None

    async def receive_output(self, timeout: TimeoutArg = DEFAULT) -> Message:
        """Receive the next message the application sent.

        Args:
            timeout: seconds to wait (default: the communicator's ``timeout``; ``None``
                waits forever).

        Raises:
            Exception: the app's own exception, as soon as it is raised.
            ProtocolError: the app broke an ASGI rule (strict mode).
            Timeout: nothing arrived in time (the app keeps running), or the app ended.
        """
        __tracebackhide__ = True
        engine = self._engine
        message = engine.take()  # fast path: a message is already waiting
        if message is None:
            message = await engine.get(self._timeout(timeout), self._awaiting or "a message")
        awaiting = self._awaiting
        if awaiting is not None and not isinstance(message, dict):
            # A helper (connect, get_response, startup...) is reading: it needs a dict.
            raise UnexpectedMessage(
                f"Expected {awaiting} from the app, got {format_message(message)}: "
                "an ASGI message must be a dict.",
                message=message,
                transcript=self.transcript,
                scope=self.scope,
            )
        return message

    async def _receive_expecting(self, awaited: str, timeout: TimeoutArg = DEFAULT) -> Message:
        """:meth:`receive_output`, with ``awaited`` (in words) named in a Timeout."""
        __tracebackhide__ = True
        outer = self._awaiting
        self._awaiting = awaited
        try:
            if timeout is DEFAULT:
                return await self.receive_output()
            return await self.receive_output(timeout)
        finally:
            self._awaiting = outer

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        """``True`` if the app sends nothing within ``timeout`` seconds.

        Event-driven: returns ``False`` as soon as a message is waiting (without consuming
        it), ``True`` early if the app ends cleanly, and raises the app's exception if it
        crashes during the window. It always yields to the app at least once, even with
        ``timeout=0``. ``interval`` is accepted for compatibility and not used.
        """
        return await self._engine.nothing(timeout)

    async def wait(self, timeout: TimeoutArg = DEFAULT) -> None:
        """Wait until the application returns, and raise its exception if it crashed.

        This is the end of the app's life, as in asgiref: an app that has not returned
        within ``timeout`` is cancelled. (A receive that times out never cancels the app.)

        Raises:
            Timeout: the app did not return in time; it has been cancelled. The message
                says what the app had sent and where it was waiting.
        """
        __tracebackhide__ = True
        await self._engine.join(self._timeout(timeout), "the app to return", cancel=True)

    def _reraise_unreadable(self, error: BaseException) -> None:
        """Re-raise ``error``, met while a helper read the app's last message: asgitest's own
        errors and the app's exception as they are; anything else (a field of the wrong type
        that strict="off"/"warn" let through) as :class:`UnexpectedMessage`."""
        __tracebackhide__ = True
        engine = self._engine
        if isinstance(error, AsgitestError) or error is engine.exception:
            raise error
        sent = self.transcript.sent_by_app()
        last = format_message(sent[-1]) if sent else "its message"
        if sent and not isinstance(sent[-1], dict):
            raise UnexpectedMessage(
                f"Expected a message from the app, got {last}: an ASGI message must be a dict "
                f"(strict={self.strict!r} let it through).",
                message=sent[-1],
                transcript=self.transcript,
                scope=self.scope,
            ) from None
        raise UnexpectedMessage(
            f"asgitest could not read the app's message {last}: {type(error).__name__}: "
            f"{error}. It breaks the ASGI spec (strict={self.strict!r} let it through).",
            message=sent[-1] if sent else None,
            transcript=self.transcript,
            scope=self.scope,
        ) from error

    def stop(self, exceptions: bool = True) -> None:
        """Cancel the application if it runs; re-raise its exception if ``exceptions``."""
        engine = self._engine
        if engine.state == NOT_STARTED:
            return
        if engine.running:
            engine.cancel()
        elif exceptions and engine.failed:
            engine.raise_failure()

    # ------------------------------------------------------------------ async with

    async def __aenter__(self) -> Self:
        engine = self._engine
        if engine.state != NOT_STARTED:
            raise UsageError(
                f"{self!r} was already started; enter `async with` before the first call."
            )
        if current_backend() == "trio":
            import trio

            self._nursery_cm = trio.open_nursery()
            engine.bind_nursery(await self._nursery_cm.__aenter__())
        try:
            engine.start()
        except BaseException:
            await self._exit_nursery()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.aclose(_body_error=exc)
        finally:
            if self._nursery_cm is not None:
                await self._exit_nursery()

    async def _exit_nursery(self) -> None:
        cm, self._nursery_cm = self._nursery_cm, None
        if cm is not None:
            await cm.__aexit__(None, None, None)

    async def aclose(self, *, _body_error: BaseException | None = None) -> None:
        """Close the connection and make sure the app has stopped.

        Tells the app the client went away (``http.disconnect`` / ``websocket.disconnect``),
        gives it the communicator's timeout to return, cancels it if it does not (with a
        :class:`~asgitest.LeakedAppWarning`), then re-raises an exception the app raised that
        no call has reported yet. Safe to call more than once.
        """
        engine = self._engine
        self._closed = True
        if engine.running:
            message = engine.client_gone()
            if message is not None and engine.input_closed is None:
                engine.disconnect_client(message)
            timeout = self._timeout(DEFAULT)
            try:
                finished = await engine.wait_done(1.0 if timeout is None else timeout)
            except BaseException:
                # The test was cancelled or interrupted while closing: the app must not
                # outlive it (under asyncio nothing else would stop it).
                engine.cancel()
                raise
            if not finished:
                await engine.cancel_and_wait()
                if _body_error is None:
                    engine.leak_warning(
                        f"it was still running when the communicator was closed, "
                        f"{timeout:g}s after the client disconnected"
                    )
        if engine.failed and not engine.exception_reported:
            if _body_error is None:
                engine.raise_failure()
            else:
                _annotate(_body_error, engine)

    def __del__(self) -> None:
        engine = getattr(self, "_engine", None)
        if engine is None or not engine.running:
            return
        task = engine.task
        if task is not None and task.done():
            return  # the app has returned; its done callback has just not run yet
        # A dropped communicator ends its app on every path, as asgiref's does: also an app
        # whose connection is over (an HTTP response complete, a WebSocket the app closed)
        # but which still runs, e.g. loops in receive() after the disconnect.
        if engine.loop_closed:
            return  # nothing can run any more (the plugin's leak check reports it)
        try:
            engine.cancel()
        except RuntimeError:
            return  # the event loop is closed: nothing can run any more
        # A connection that is already closed is over for the test: the app has been told and
        # was merely winding down, so dropping it is the normal channels-style use, not a leak.
        if not self._closed and engine.input_closed is None:
            import warnings

            from ._errors import LeakedAppWarning

            warnings.warn(
                f"{self!r} was dropped while its app was still running; asgitest cancelled "
                "the app. Disconnect it, or use `async with`.",
                LeakedAppWarning,
                stacklevel=2,
                source=self,
            )


def _annotate(error: BaseException, engine: Engine) -> None:
    failure = engine.violation or engine.exception
    if failure is not None and failure is not error:
        error.add_note(
            f"asgitest: meanwhile the app of {describe_scope(engine.scope)} failed with "
            f"{type(failure).__name__}: {failure}"
        )
        engine.exception_reported = True


class _TrioOutcome:
    """A future-like view of the app's outcome under trio (``done``, ``result``...)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def done(self) -> bool:
        return self._engine.done

    def cancelled(self) -> bool:
        return self._engine.state == CANCELLED

    def exception(self) -> BaseException | None:
        if self._engine.state == CANCELLED:
            raise asyncio.CancelledError()
        return self._engine.exception

    def result(self) -> None:
        engine = self._engine
        if not engine.done:
            raise asyncio.InvalidStateError("the app is still running")
        if engine.state == CRASHED:
            engine.raise_failure()
        if engine.state == CANCELLED:
            raise asyncio.CancelledError()

    def __repr__(self) -> str:
        return f"<app outcome {self._engine.state}>"


class _QueueView:
    """The parts of ``asyncio.Queue`` that code written for asgiref's communicator touches."""

    def __init__(self, communicator: ApplicationCommunicator, to_app: bool) -> None:
        self._communicator = communicator
        self._to_app = to_app

    def empty(self) -> bool:
        return self.qsize() == 0

    def qsize(self) -> int:
        engine = self._communicator._engine
        return len(engine.inbox if self._to_app else engine.outbox)

    def get_nowait(self) -> Message:
        engine = self._communicator._engine
        if self._to_app:
            message = engine.take_input()
        elif engine.outbox:
            message = engine.outbox.popleft()  # (as asyncio.Queue: even after a failure)
        else:
            message = None
        if message is None:
            raise asyncio.QueueEmpty()
        return message

    async def get(self) -> Message:
        if self._to_app:
            return self.get_nowait()
        # The engine itself, never the public receive_output(): a subclass that overrides
        # receive_output() to read this queue (asgiref.timeout around output_queue.get(), so
        # that a timeout does not cancel the app) must not be called back from here.
        engine = self._communicator._engine
        if engine.state == NOT_STARTED:
            engine.start()
        return await engine.get(None, self._communicator._awaiting or "a message")

    def put_nowait(self, message: Message) -> None:
        if not self._to_app:
            raise UsageError("the output queue is written by the application, not the test")
        engine = self._communicator._engine
        engine.put(message)
        if engine.state == NOT_STARTED:
            engine.start(eager=True)

    async def put(self, message: Message) -> None:
        self.put_nowait(message)
