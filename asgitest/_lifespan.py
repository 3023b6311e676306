"""LifespanCommunicator: startup and shutdown, lifespan state, and the auto/on/off modes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Self

from ._communicator import ApplicationCommunicator
from ._config import DEFAULT, parse_lifespan
from ._core import CRASHED, FINISHED, NOT_STARTED, current_backend
from ._errors import (
    LifespanFailed,
    LifespanShutdownFailed,
    LifespanStartupFailed,
    Timeout,
    UnexpectedMessage,
    UsageError,
)
from ._transcript import DEFAULT_TRANSCRIPT_SIZE, format_message

if TYPE_CHECKING:
    from ._config import DefaultArg, LifespanMode, RulesArg, StrictArg, TimeoutArg
    from ._types import Message

__all__ = ["LifespanCommunicator"]

_MODES: Final = ("auto", "on", "off")

_NOT_SUPPORTED: Final = """\
The app does not support the lifespan protocol: {how}. That is how an app without lifespan \
behaves (Django's get_asgi_application(), for one, or an app that never looks at \
scope["type"]), and lifespan="on" requires lifespan support. Use lifespan="auto" to carry on \
without lifespan as uvicorn and hypercorn do, or lifespan="off" to never send lifespan \
events."""

_STARTUP_HINT: Final = """\
asgitest: a lifespan app must answer "lifespan.startup" with "lifespan.startup.complete" (or \
"lifespan.startup.failed"). Pass a larger timeout= if startup is just slow, or lifespan="off" \
to run the app without lifespan."""


def _summarize(message: str) -> str:
    """The app's failure message for an exception text: a traceback shrinks to its last line."""
    if not message:
        return "(no message)"
    text = message.strip()
    if text.startswith("Traceback") and "\n" in text:
        last = text.splitlines()[-1].strip()
        return f"{last!r} (the last line of a traceback; the full text is in .message)"
    return repr(message)


class LifespanCommunicator(ApplicationCommunicator):
    """Runs an application's lifespan: ``lifespan.startup`` and ``lifespan.shutdown``.

    The communicator owns the lifespan ``state`` dict passed to the app in ``scope["state"]``
    and exposes it as :attr:`state`, so a test can read what the app stored at startup (and
    :class:`~asgitest.TestApp` can copy it into every request, as a server does).

    Every wait has a timeout whose message names what was awaited (for example
    ``waiting for "lifespan.startup.complete"``) and the app's state; the transcript of the
    lifespan conversation is attached to every failure.

    An app that does not support lifespan, that is one that raises on the lifespan scope
    before it received ``lifespan.startup`` or sent anything (Django's handler does so), or
    one that answers ``lifespan.startup`` with a message of another protocol (an app that
    never looks at ``scope["type"]`` sends ``http.response.start``), is handled per
    ``lifespan``:

    - ``"auto"`` (default): carry on without lifespan, as uvicorn and hypercorn do;
      :attr:`supported` becomes ``False`` and :meth:`shutdown` does nothing. An app that
      raises *after* it received ``lifespan.startup`` has a real startup failure: its
      exception is raised.
    - ``"on"``: lifespan is required; startup raises
      :class:`~asgitest.LifespanStartupFailed` chained to the app's exception.
    - ``"off"``: no lifespan event is ever sent and the app is not called.

    Args:
        application: the ASGI application.
        timeout: the default of :meth:`startup` and :meth:`shutdown`, in seconds.
        lifespan: ``"auto"``, ``"on"`` or ``"off"`` (see above).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        state: the initial lifespan state (default: a new empty dict), used as this very
            object.
        spec_version: the lifespan spec version advertised in ``scope["asgi"]``.
        transcript_size: how many messages the transcript keeps.

    Example:
        ```python
        async with LifespanCommunicator(app) as lifespan:
            assert lifespan.state["db"] == "connected"
        # leaving the block sent "lifespan.shutdown" and waited for its completion
        ```

    Raises (from :meth:`startup` and :meth:`shutdown`):
        LifespanStartupFailed: the app sent ``lifespan.startup.failed`` (or does not
            support lifespan in mode ``"on"``).
        LifespanShutdownFailed: the app sent ``lifespan.shutdown.failed``.
        Timeout: the app did not complete in time (the message says what was awaited).
        Exception: the app's own exception, as itself.
    """

    def __init__(
        self,
        application: Any,
        *,
        timeout: TimeoutArg = DEFAULT,
        lifespan: LifespanMode = "auto",
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        state: dict[str, Any] | None = None,
        spec_version: str = "2.0",
        transcript_size: int | None = DEFAULT_TRANSCRIPT_SIZE,
    ) -> None:
        self.mode: LifespanMode = parse_lifespan(lifespan)
        self.state: dict[str, Any] = {} if state is None else state
        """The lifespan state: what the app stored in ``scope["state"]`` during startup."""
        self.supported: bool | None = None
        """``True`` once the app completed startup, ``False`` when it does not support
        lifespan (or mode ``"off"``), ``None`` before :meth:`startup`."""
        self.started = False
        """Whether startup completed and shutdown has not been sent yet."""
        self.shut_down = False
        self.unsupported_error: BaseException | None = None
        """In mode ``"auto"``: the exception with which the app refused the lifespan scope."""
        self.unsupported_reason = ""
        """In mode ``"auto"``: how the app showed that it does not support lifespan, e.g.
        ``'raised ValueError: unsupported scope'``."""
        self._startup_message: dict[str, Any] = {"type": "lifespan.startup"}
        self._startup_called = False
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": spec_version},
            "state": self.state,
        }
        super().__init__(
            application,
            scope,
            timeout=timeout,
            strict=strict,
            ignore_rules=ignore_rules,
            transcript_size=transcript_size,
            _scope_key=("lifespan", spec_version) if type(spec_version) is str else None,
        )

    def __repr__(self) -> str:
        if self.started:
            phase = "started"
        elif self.shut_down:
            phase = "shut down"
        elif self.supported is False:
            phase = "unsupported" if self.mode != "off" else "off"
        else:
            phase = self._engine.state
        return f"<{type(self).__name__} [{phase}]>"

    # ------------------------------------------------------------------ startup

    async def startup(self, timeout: TimeoutArg = DEFAULT) -> None:
        """Send ``lifespan.startup`` and wait for ``lifespan.startup.complete``.

        Args:
            timeout: seconds to wait (default: the communicator's ``timeout``).

        Raises:
            LifespanStartupFailed: the app sent ``lifespan.startup.failed`` (its ``message``
                is in ``.message``), or mode ``"on"`` and the app does not support lifespan.
            Timeout: the app did not complete startup in time.
            UnexpectedMessage: the app sent another message type.
            Exception: the app's own exception, raised during startup.
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        if self._startup_called:
            raise UsageError(
                f"{self!r}: startup() was already called; a lifespan runs once. Make a new "
                "LifespanCommunicator to start the app again."
            )
        self._startup_called = True
        if self.mode == "off":
            self.supported = False
            return
        engine = self._engine
        if self._plain_io:
            self._put(self._startup_message)
        else:
            await self.send_input(self._startup_message)
        self._awaiting = '"lifespan.startup.complete"'
        try:
            message = self._waiting_message()  # (Python 3.12+: the app has answered already)
            if message is None:
                message = await self.receive_output(self._given(timeout))
        except Exception as error:
            if engine.done and not self._received_startup() and not engine.outbox:
                # The app ended before it even looked at the lifespan scope's first event.
                crash = engine.exception
                before = 'before it received "lifespan.startup" or sent anything, it'
                if crash is not None:
                    how = f"raised {type(crash).__name__}: {str(crash).rstrip('.')}"
                    self._unsupported(crash, f"{before} {how}", how)
                else:
                    self._unsupported(None, f"{before} returned", "returned")
                return
            if engine.exception is error or engine.violation is error:
                failed = self._pending("lifespan.startup.failed")
                if failed is not None:
                    raise self._failure(LifespanStartupFailed, failed) from error
            if isinstance(error, Timeout) and error.app_state == "running":
                error.add_note(_STARTUP_HINT)
            raise  # the app's own exception, or a Timeout saying what was awaited
        finally:
            self._awaiting = None
        kind = message.get("type")
        if kind == "lifespan.startup.complete":
            self.supported = True
            self.started = True
            return
        if kind == "lifespan.startup.failed":
            failure = self._failure(LifespanStartupFailed, message)
            await self._stop_app(failure)
            raise failure
        if type(kind) is str and not kind.startswith("lifespan."):
            # A message of another protocol ("http.response.start" from an app that never
            # looks at scope["type"]): uvicorn's and hypercorn's send() raise, the app dies and
            # they carry on without lifespan. The app is stopped here at once instead: it has
            # no lifespan to run, and whatever it does next is not for this scope.
            if engine.running:
                await engine.cancel_and_wait()
            self._engine.exception_reported = True
            how = f'sent "{kind}" instead of answering "lifespan.startup"'
            self._unsupported(None, f"it {how}, a message of another protocol", how)
            return
        await self._stop_app()
        raise UnexpectedMessage(
            'Expected "lifespan.startup.complete" or "lifespan.startup.failed" from the app, '
            f"got {format_message(message)}.",
            message=message,
            transcript=self.transcript,
            scope=self.scope,
        )

    def _received_startup(self) -> bool:
        return not any(queued is self._startup_message for queued in self._engine.inbox)

    def _unsupported(self, error: BaseException | None, what: str, how: str) -> None:
        """The app refused the lifespan scope: carry on (auto) or say so (on)."""
        self._engine.exception_reported = True
        self.supported = False
        self.unsupported_error = error
        self.unsupported_reason = how
        if self.mode == "on":
            raise LifespanStartupFailed(
                _NOT_SUPPORTED.format(how=what), transcript=self.transcript, scope=self.scope
            ) from error
        self.transcript.note(f"(lifespan unsupported: the app {how}; carrying on without it)")

    def _pending(self, kind: str) -> Message | None:
        """A message of type ``kind`` the app sent but nobody read (it then crashed)."""
        for message in self._engine.outbox:
            if isinstance(message, dict) and message.get("type") == kind:
                return message
        return None

    def _failure(self, cls: type[LifespanFailed], message: Message) -> LifespanFailed:
        text = message.get("message", "")
        if not isinstance(text, str):
            text = str(text)
        phase = "startup" if cls is LifespanStartupFailed else "shutdown"
        return cls(
            f'The app sent "lifespan.{phase}.failed": {_summarize(text)}.',
            message=text,
            transcript=self.transcript,
            scope=self.scope,
        )

    async def _stop_app(self, error: BaseException | None = None) -> None:
        """Wait (bounded) for the app to return after startup failed or shutdown, then cancel it.

        An exception the app raises meanwhile becomes the cause of ``error`` when one is
        being raised (Starlette sends ``failed`` and then re-raises), else it is raised.
        """
        engine = self._engine
        if engine.running:
            timeout = self._timeout(DEFAULT)
            if not await engine.wait_done(1.0 if timeout is None else timeout):
                await engine.cancel_and_wait()
        if engine.state == CRASHED and engine.exception is not None:
            if error is not None:
                engine.exception_reported = True
                if error.__cause__ is None:
                    error.__cause__ = engine.exception
            elif not engine.exception_reported:
                engine.raise_failure()
        elif engine.violation is not None and error is None and not engine.exception_reported:
            engine.raise_failure()

    # ------------------------------------------------------------------ shutdown

    async def shutdown(self, timeout: TimeoutArg = DEFAULT) -> None:
        """Send ``lifespan.shutdown``, wait for ``lifespan.shutdown.complete``, stop the app.

        Does nothing when startup did not complete (an app without lifespan, mode ``"off"``)
        or shutdown already ran. After the completion the app is given the timeout to return,
        then cancelled.

        Raises:
            LifespanShutdownFailed: the app sent ``lifespan.shutdown.failed``.
            Timeout: the app did not complete shutdown in time (it is then cancelled).
            Exception: the app's own exception.
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        if not self.started:
            return
        self.started = False
        self.shut_down = True
        engine = self._engine
        if self._plain_io:
            self._put({"type": "lifespan.shutdown"})
        else:
            await self.send_input({"type": "lifespan.shutdown"})
        self._awaiting = '"lifespan.shutdown.complete"'
        try:
            message = self._waiting_message()
            if message is None:
                message = await self.receive_output(self._given(timeout))
        except Exception as error:
            failed = self._pending("lifespan.shutdown.failed")
            if failed is not None and engine.exception is error:
                raise self._failure(LifespanShutdownFailed, failed) from error
            await self._stop_app(error)
            raise
        finally:
            self._awaiting = None
        kind = message.get("type")
        if kind == "lifespan.shutdown.complete":
            if engine.running or engine.failed:
                await self._stop_app()
            return
        problem: Exception
        if kind == "lifespan.shutdown.failed":
            problem = self._failure(LifespanShutdownFailed, message)
        else:
            problem = UnexpectedMessage(
                'Expected "lifespan.shutdown.complete" or "lifespan.shutdown.failed" from the '
                f"app, got {format_message(message)}.",
                message=message,
                transcript=self.transcript,
                scope=self.scope,
            )
        await self._stop_app(problem)
        raise problem

    # ------------------------------------------------------------------ async with / close

    async def __aenter__(self) -> Self:
        if self.mode == "off":
            self.supported = False
            return self
        if self._engine.state != NOT_STARTED or current_backend() == "trio":
            await super().__aenter__()
        # else: startup() starts the app after queueing "lifespan.startup" (on Python 3.12+
        # the app's first step then runs at once and reads it).
        try:
            await self.startup()
        except BaseException:
            # Startup failed: stop the app and close the trio nursery before re-raising.
            try:
                await self.aclose(_body_error=_STARTUP_FAILED)
            finally:
                await self._exit_nursery()
            raise
        return self

    async def aclose(self, *, _body_error: BaseException | None = None) -> None:
        """Shut the lifespan down if it started, and make sure the app has stopped.

        When the ``async with`` body raised, a shutdown failure is attached to that exception
        as a note instead of replacing it. Safe to call more than once.
        """
        self._closed = True
        try:
            await self.shutdown()
        except Exception as error:
            if _body_error is None:
                raise
            if _body_error is not _STARTUP_FAILED:
                _body_error.add_note(
                    f"asgitest: the lifespan shutdown after this error failed too: "
                    f"{type(error).__name__}: {error}"
                )
        finally:
            engine = self._engine
            if engine.running:
                await engine.cancel_and_wait()
        engine = self._engine
        if engine.state in (CRASHED, FINISHED) and engine.failed and not engine.exception_reported:
            if _body_error is None:
                engine.raise_failure()
            engine.exception_reported = True


class _StartupFailed(Exception):
    """Marks the clean-up after a failed startup in ``aclose`` (the error is raised anyway)."""


_STARTUP_FAILED: Final = _StartupFailed()
