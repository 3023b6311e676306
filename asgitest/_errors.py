"""Every exception and warning asgitest raises.

The hierarchy::

    AsgitestError                      base of everything below
    ├── Timeout                        also a builtin TimeoutError (== asyncio.TimeoutError)
    ├── ProtocolError                  also an AssertionError: the app broke the ASGI spec
    ├── UnexpectedMessage              also an AssertionError: a helper got another message type
    │   ├── WebsocketClosed            the app closed the WebSocket where a frame was expected
    │   ├── WebsocketRejected          the app refused the handshake (close or denial response)
    │   └── MessageMismatch            a message did not match the pattern the test expected
    ├── ClientDisconnected             also an OSError: raised in the app's send() once disconnected
    ├── LifespanFailed                 the app reported lifespan.*.failed
    │   ├── LifespanStartupFailed
    │   └── LifespanShutdownFailed
    ├── InvalidApplication             also a TypeError: not an ASGI application
    ├── LiveServerError                also a RuntimeError: a live server did not start or stop
    └── UsageError                     asgitest was used in a way it cannot support
        └── InvalidArgument            also a TypeError and a ValueError: a bad argument value

    AsgitestWarning (UserWarning)
    ├── ProtocolWarning                a spec finding reported as a warning (strict="warn")
    └── LeakedAppWarning               also a ResourceWarning: an app had to be cancelled

Exceptions carry their context as attributes (``.transcript``, ``.scope``, ``.timeout``,
``.rule_id``); the recent message transcript is attached as an exception note, so pytest prints
it under the failure while ``str(exc)`` stays one readable statement.

An exception raised by the *application* is never wrapped: it reaches the test as itself.
"""

from __future__ import annotations

TYPE_CHECKING = False  # (typing is not imported by `import asgitest`)

if TYPE_CHECKING:
    from typing import Any

    from ._transcript import Transcript
    from ._types import Message, Scope

__all__ = [
    "AsgitestError",
    "AsgitestWarning",
    "ClientDisconnected",
    "InvalidApplication",
    "InvalidArgument",
    "LeakedAppWarning",
    "LifespanFailed",
    "LifespanShutdownFailed",
    "LifespanStartupFailed",
    "LiveServerError",
    "MessageMismatch",
    "ProtocolError",
    "ProtocolWarning",
    "Timeout",
    "UnexpectedMessage",
    "UsageError",
    "WebsocketClosed",
    "WebsocketRejected",
]


class AsgitestError(Exception):
    """Raised when asgitest itself reports a problem; the base of all asgitest exceptions.

    Attributes:
        transcript: the communicator's transcript at the time of the failure, if any.
        scope: the scope of the connection concerned, if any.
    """

    transcript: Transcript | None
    scope: Scope | None

    def __init__(
        self,
        message: str,
        *,
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(message)
        self.transcript = transcript
        self.scope = scope
        if transcript is not None:
            self.add_note(transcript.render_for_error())


class Timeout(AsgitestError, TimeoutError):
    """Raised when a wait ran out of time.

    It inherits the builtin ``TimeoutError`` (which is ``asyncio.TimeoutError``), so
    ``except asyncio.TimeoutError`` and ``pytest.raises(TimeoutError)`` keep working.
    A timeout never cancels the application: the test may go on, for example to disconnect.

    Attributes:
        timeout: the number of seconds waited (after the timeout factor), or ``None``.
        awaited: what the wait was for, in words.
        app_state: ``"running"``, ``"finished"``, ``"crashed"`` or ``"cancelled"``.
    """

    def __init__(
        self,
        message: str,
        *,
        timeout: float | None = None,
        awaited: str = "",
        app_state: str = "running",
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(message, transcript=transcript, scope=scope)
        self.timeout = timeout
        self.awaited = awaited
        self.app_state = app_state


class ProtocolError(AsgitestError, AssertionError):
    """Raised when the application (or a message the test builds) breaks the ASGI specification.

    It inherits ``AssertionError`` so pytest reports a test failure, not an error.

    Attributes:
        rule_id: the rule broken, e.g. ``"R40"`` (see the rules reference).
        severity: ``"error"`` or ``"pedantic"``.
        offending: the message (or scope) that broke the rule, if any.
        field: the key of the offending value, if one is to blame.
        hint: what real servers do with this very message and how to fix it (the part of
            the text after what happened), e.g. for a close reason that is a list after
            accept: uvicorn's and hypercorn's crash, then ``Fix: reason="..."``.
    """

    def __init__(
        self,
        message: str,
        *,
        rule_id: str,
        severity: str = "error",
        offending: Any = None,
        field: str | None = None,
        hint: str = "",
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(message, transcript=transcript, scope=scope)
        self.rule_id = rule_id
        self.severity = severity
        self.offending = offending
        self.field = field
        self.hint = hint


class UnexpectedMessage(AsgitestError, AssertionError):
    """Raised when a helper such as ``receive_from()`` got a message of another type.

    ``str()`` of it is the exact text channels.testing used, so existing assertions on the
    message keep passing; the transcript is attached as a note.

    Attributes:
        message: the message that was received instead.
    """

    def __init__(
        self,
        text: str,
        *,
        message: Message | None = None,
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(text, transcript=transcript, scope=scope)
        self.message = message


class WebsocketClosed(UnexpectedMessage):
    """Raised when the application closed the WebSocket where the test expected a frame.

    Attributes:
        code: the close code the application sent (1000 when it sent none).
        reason: the close reason (``""`` when it sent none).
    """

    def __init__(
        self,
        text: str,
        *,
        code: int = 1000,
        reason: str = "",
        message: Message | None = None,
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(text, message=message, transcript=transcript, scope=scope)
        self.code = code
        self.reason = reason


class WebsocketRejected(UnexpectedMessage):
    """Raised when the application refused a WebSocket handshake the test expected to succeed.

    Only raised on request (``connect(raise_on_reject=True)``); ``connect()`` otherwise returns
    ``(False, code)`` as channels does. It inherits ``AssertionError`` through
    :class:`UnexpectedMessage`, so pytest reports a failure.

    Attributes:
        status: the HTTP status the client would see: 403 for a close before accept, else the
            status of the denial response.
        code: the close code the app sent (``None`` for a denial response).
        reason: the close reason (``""`` when none was given).
        response: the denial response (a :class:`~asgitest.Response`), or ``None``.
    """

    def __init__(
        self,
        text: str,
        *,
        status: int = 403,
        code: int | None = None,
        reason: str = "",
        response: Any = None,
        message: Message | None = None,
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(text, message=message, transcript=transcript, scope=scope)
        self.status = status
        self.code = code
        self.reason = reason
        self.response = response


class MessageMismatch(UnexpectedMessage):
    """Raised when a message does not match the pattern the test expected.

    Raised by ``expect()``, ``expect_sequence()``, the WebSocket ``expect_*()`` helpers and
    :func:`~asgitest.assert_messages`. It is an ``AssertionError`` (through
    :class:`UnexpectedMessage`), so pytest reports a test failure. ``str()`` of it shows the
    pattern, the message and the first difference; the transcript, with the message
    concerned marked ``>>``, is attached as a note.

    Attributes:
        pattern: the :class:`~asgitest.Pattern` that was not matched.
        message: the message compared with it (``None`` when there was none left).
        mismatch: the first difference (``.path``, ``.text``, ``.expected``, ``.actual``),
            or ``None`` when the failure is about how many messages there are.
        index: the transcript index of the message concerned, if there is one.
    """

    def __init__(
        self,
        text: str,
        *,
        pattern: Any = None,
        message: Message | None = None,
        mismatch: Any = None,
        index: int | None = None,
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        # The transcript note is rendered here (marked at ``index``), not by the base class.
        super().__init__(text, message=message, scope=scope)
        self.transcript = transcript
        self.pattern = pattern
        self.mismatch = mismatch
        self.index = index
        if transcript is not None:
            self.add_note(transcript.render_marked(index))


class ClientDisconnected(AsgitestError, OSError):
    """Raised into the application's ``send()`` after the client disconnected.

    Only when the advertised ``spec_version`` is 2.4 or later, as the ASGI spec says; it
    inherits ``OSError`` because that is what the spec requires. asgitest never reports this
    exception as the application's failure if it propagates out of the app.
    """

    def __init__(self, message: str = "the client has disconnected", **kwargs: Any) -> None:
        AsgitestError.__init__(self, message, **kwargs)


class LifespanFailed(AsgitestError):
    """Raised when the application reported ``lifespan.startup.failed`` or ``.shutdown.failed``.

    Attributes:
        message: the ``message`` the application sent with the failure ("" if none).
    """

    def __init__(
        self,
        text: str,
        *,
        message: str = "",
        transcript: Transcript | None = None,
        scope: Scope | None = None,
    ) -> None:
        super().__init__(text, transcript=transcript, scope=scope)
        self.message = message


class LifespanStartupFailed(LifespanFailed):
    """Raised when the application sent ``lifespan.startup.failed``."""


class LifespanShutdownFailed(LifespanFailed):
    """Raised when the application sent ``lifespan.shutdown.failed``."""


class InvalidApplication(AsgitestError, TypeError):
    """Raised when the object given as the application is not an ASGI application.

    It inherits ``TypeError``; the message names what was passed and the likely fix.
    """


class LiveServerError(AsgitestError, RuntimeError):
    """Raised when a live server (``LiveServer``, ``ChannelsLiveServerTestCase``) could not
    start, or could not be stopped.

    It inherits ``RuntimeError``, which channels' ``ChannelsLiveServerTestCase`` raised when
    its server process died. The message says why (port taken, app not importable, lifespan
    startup failed, startup timeout) and ends with the server's last lines of output.

    Attributes:
        server: the server's name: ``"uvicorn"``, ``"hypercorn"`` or ``"daphne"``.
        output: everything the server logged or printed so far (bounded).
    """

    def __init__(self, message: str, *, server: str = "", output: str = "") -> None:
        super().__init__(message)
        self.server = server
        self.output = output


class UsageError(AsgitestError):
    """Raised when asgitest is used in a way it cannot support, with what to do instead."""


class InvalidArgument(UsageError, TypeError, ValueError):
    """Raised when an argument (or a setting) has a value asgitest cannot accept.

    The message names the argument, the value given, and what is accepted. It inherits both
    ``TypeError`` and ``ValueError``, so ``pytest.raises(ValueError)`` and
    ``pytest.raises(TypeError)`` both catch it, whichever a caller expects.

    Attributes:
        argument: the name of the argument or setting, e.g. ``"timeout"``.
        value: the value that was given.
    """

    def __init__(self, message: str, *, argument: str = "", value: Any = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.value = value


class AsgitestWarning(UserWarning):
    """Base of every warning asgitest emits."""


class ProtocolWarning(AsgitestWarning):
    """Emitted instead of raising when a spec rule is broken and strictness is ``"warn"``.

    Attributes:
        rule_id: the rule broken.
        severity: ``"error"`` or ``"pedantic"``.
        hint: what servers do with this message and the fix (as ``ProtocolError.hint``).
    """

    def __init__(
        self, message: str, rule_id: str = "", severity: str = "error", hint: str = ""
    ) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.severity = severity
        self.hint = hint


class LeakedAppWarning(AsgitestWarning, ResourceWarning):
    """Emitted when asgitest had to cancel an application that was still running.

    For example: a communicator dropped without ``disconnect()``, or an app that ignored
    ``websocket.disconnect``. It is also a ``ResourceWarning``.
    """
