"""WebSocket sessions with Starlette's API, on asgitest's WebsocketCommunicator.

:class:`AsyncWebSocketTestSession` is the async session (AsyncTestClient); the sync
:class:`WebSocketTestSession` (TestClient) calls it through the client's event-loop thread.
When Starlette is installed, :class:`WebSocketDisconnect` and :class:`WebSocketDenialResponse`
subclass Starlette's own, so existing ``pytest.raises(...)`` blocks keep working.
"""

from __future__ import annotations

import contextvars
import json
import warnings
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import anyio
import anyio.lowlevel

from .._config import DEFAULT
from .._errors import AsgitestError, InvalidArgument, UnexpectedMessage, UsageError
from .._transcript import format_message
from .._websocket import WebsocketCommunicator
from ._httpx import httpx

if TYPE_CHECKING:
    from .._config import DefaultArg, RulesArg, StrictArg, TimeoutArg
    from .._types import Message

__all__ = [
    "AsyncWebSocketTestSession",
    "WebSocketDenialResponse",
    "WebSocketDisconnect",
    "WebSocketTestSession",
]


_SETTLE_STEPS = 20


def _starlette_bases() -> tuple[type[Exception], type[Exception]]:
    try:
        with warnings.catch_warnings():
            # (starlette.testclient warns when it finds plain httpx instead of httpx2.)
            warnings.simplefilter("ignore")
            from starlette.testclient import WebSocketDenialResponse as denial
            from starlette.websockets import WebSocketDisconnect as disconnect
    except ImportError:
        return Exception, Exception
    if not issubclass(denial, httpx.Response):
        return disconnect, Exception  # Starlette found the other httpx package
    return disconnect, denial


_DisconnectBase, _DenialBase = _starlette_bases()


class WebSocketDisconnect(_DisconnectBase, AsgitestError):  # type: ignore[misc,valid-type]
    """Raised when the app closed the WebSocket (or refused it by closing before accepting).

    A subclass of ``starlette.websockets.WebSocketDisconnect`` when Starlette is installed.

    Attributes:
        code: the close code.
        reason: the close reason (``""`` when none was given).
    """

    def __init__(
        self, code: int = 1000, reason: str | None = None, *, transcript: Any = None
    ) -> None:
        self.code = code
        self.reason = reason or ""
        AsgitestError.__init__(
            self,
            f"The app closed the WebSocket with code {code}"
            + (f" and reason {self.reason!r}" if self.reason else "")
            + ".",
            transcript=transcript,
        )


if _DenialBase is Exception:

    class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):  # type: ignore[misc]
        """Raised when the app refused the WebSocket with an HTTP response (the denial
        response extension): it is that ``httpx.Response`` (``status_code``, ``headers``,
        ``content``) and a :class:`WebSocketDisconnect`."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            httpx.Response.__init__(self, *args, **kwargs)
            self.code = 1006
            self.reason = ""
else:

    class WebSocketDenialResponse(_DenialBase):  # type: ignore[no-redef,valid-type,misc]
        """Raised when the app refused the WebSocket with an HTTP response (the denial
        response extension): a subclass of ``starlette.testclient.WebSocketDenialResponse``,
        so an ``httpx.Response`` too."""


def _raise_on_close(message: Message, communicator: WebsocketCommunicator) -> None:
    __tracebackhide__ = True
    if message.get("type") == "websocket.close":
        raise WebSocketDisconnect(
            message.get("code", 1000), message.get("reason"), transcript=communicator.transcript
        )


class AsyncWebSocketTestSession:
    """One WebSocket connection to the app, with the methods of Starlette's session, awaited.

    Made by ``AsyncTestClient.websocket_connect()`` (an async context manager). Every wait
    is bounded by the client's timeout and raises :class:`~asgitest.Timeout` with the
    transcript; every message is checked against the ASGI spec.

    Attributes:
        accepted_subprotocol: the subprotocol the app accepted with, or ``None``.
        extra_headers: the ``headers`` of the app's ``websocket.accept``, or ``None``.
        communicator: the :class:`~asgitest.WebsocketCommunicator` underneath (its
            ``transcript`` shows every message).
    """

    def __init__(
        self,
        app: Any,
        parts: dict[str, Any],
        *,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
    ) -> None:
        self.communicator = WebsocketCommunicator(
            app,
            parts["path"],
            parts["headers"],
            parts["subprotocols"],
            timeout=timeout,
            strict=strict,
            ignore_rules=ignore_rules,
            scheme=parts["scheme"],
            root_path=parts["root_path"],
            client=parts["client"],
            server=parts["server"],
            extensions={"websocket.http.response": {}},
            scope=parts["scope"],
        )
        self.accepted_subprotocol: str | None = None
        self.extra_headers: Any = None
        self._client_closed = False
        self._entered = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.communicator.scope.get('path')!r}>"

    async def __aenter__(self) -> AsyncWebSocketTestSession:
        __tracebackhide__ = True
        communicator = self.communicator
        # The app runs in a copy of the caller's context, as Starlette's session runs it.
        communicator._engine.app_context = contextvars.copy_context()
        await communicator.__aenter__()
        self._entered = True
        try:
            await self._connect()
        except BaseException as error:
            await self._finish(error)
            raise
        return self

    async def _connect(self) -> None:
        __tracebackhide__ = True
        communicator = self.communicator
        accepted, _ = await communicator.connect()
        if accepted:
            self.accepted_subprotocol = communicator.subprotocol
            self.extra_headers = communicator.response_headers
            return
        denial = communicator.denial_response
        if denial is not None:
            raise WebSocketDenialResponse(
                status_code=denial.status,
                headers=[(bytes(n), bytes(v)) for n, v in denial.headers],
                content=denial.body,
            )
        raise WebSocketDisconnect(
            communicator.close_code or 1000,
            communicator.close_reason,
            transcript=communicator.transcript,
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._finish(exc)

    async def _finish(self, exc: BaseException | None) -> None:
        communicator = self.communicator
        engine = communicator._engine
        if engine.running and not self._client_closed and communicator.close_code is None:
            self._client_closed = True
            message = {"type": "websocket.disconnect", "code": 1000}
            engine.put(message)
            engine.mark_disconnected(message)
        if engine.running:
            # The app gets the timeout to react to the close (work in a thread, such as a
            # FastAPI sync dependency's teardown, must finish: its exception is the test's),
            # then is cancelled without a warning, as Starlette's session cancels it (an app
            # that sleeps forever after accept must not block the test forever).
            for _ in range(_SETTLE_STEPS):
                await anyio.lowlevel.checkpoint()
                if not engine.running:
                    break
            if engine.running:
                timeout = communicator._timeout(DEFAULT)
                await engine.wait_done(1.0 if timeout is None else timeout)
            if engine.running:
                communicator.transcript.note(
                    "(the session ended; asgitest cancelled the app, as Starlette's "
                    "TestClient does)"
                )
                await engine.cancel_and_wait()
        # An exception the app raised is raised here, as Starlette's session does; that
        # includes the WebSocketDisconnect an app lets propagate after the client closed
        # (FastAPI's tutorials test exactly that with pytest.raises(WebSocketDisconnect)).
        await communicator.__aexit__(type(exc) if exc else None, exc, None)

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app."""
        await self.communicator.send_input(message)
        if isinstance(message, dict) and message.get("type") == "websocket.disconnect":
            self._client_closed = True
            self.communicator._engine.mark_disconnected(message)

    async def send_text(self, data: str) -> None:
        """Send a text frame."""
        await self.send(_text_message(data))

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary frame."""
        await self.send(_bytes_message(data))

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as compact JSON, in a text frame or (``mode="binary"``) a binary one."""
        await self.send(_json_message(data, mode))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection from the client side (the app receives
        ``websocket.disconnect`` with ``code`` and, when given, ``reason``)."""
        message: dict[str, Any] = {"type": "websocket.disconnect", "code": code}
        if reason is not None:
            message["reason"] = reason
        await self.send(message)

    async def receive(self, timeout: TimeoutArg = DEFAULT) -> Message:
        """The next raw message the app sent (bounded by the timeout)."""
        __tracebackhide__ = True
        communicator = self.communicator
        communicator._awaiting = '"websocket.send" or "websocket.close"'
        try:
            return await communicator.receive_output(timeout)
        finally:
            communicator._awaiting = None

    async def _frame(self, field: str, timeout: TimeoutArg) -> Any:
        __tracebackhide__ = True
        message = await self.receive(timeout)
        _raise_on_close(message, self.communicator)
        if message.get("type") != "websocket.send" or message.get(field) is None:
            kind = "text" if field == "text" else "binary"
            raise UnexpectedMessage(
                f'Expected a {kind} frame ("websocket.send" with "{field}") from the app, got '
                f"{format_message(message)}.",
                message=message,
                transcript=self.communicator.transcript,
                scope=self.communicator.scope,
            )
        return message[field]

    async def receive_text(self, timeout: TimeoutArg = DEFAULT) -> str:
        """The next text frame; :class:`WebSocketDisconnect` if the app closed instead."""
        __tracebackhide__ = True
        return await self._frame("text", timeout)  # type: ignore[no-any-return]

    async def receive_bytes(self, timeout: TimeoutArg = DEFAULT) -> bytes:
        """The next binary frame; :class:`WebSocketDisconnect` if the app closed instead."""
        __tracebackhide__ = True
        return await self._frame("bytes", timeout)  # type: ignore[no-any-return]

    async def receive_json(
        self, mode: Literal["text", "binary"] = "text", timeout: TimeoutArg = DEFAULT
    ) -> Any:
        """The next frame parsed as JSON (a text frame, or a binary one with ``mode="binary"``)."""
        __tracebackhide__ = True
        _check_mode(mode)
        if mode == "text":
            return json.loads(await self._frame("text", timeout))
        return json.loads((await self._frame("bytes", timeout)).decode("utf-8"))


def _text_message(data: Any) -> Message:
    if not isinstance(data, str):
        raise InvalidArgument(
            f"send_text() takes a str, got {type(data).__name__}; use send_bytes() for bytes.",
            argument="data",
            value=data,
        )
    return {"type": "websocket.receive", "text": data}


def _bytes_message(data: Any) -> Message:
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidArgument(
            f"send_bytes() takes bytes, got {type(data).__name__}; use send_text() for str.",
            argument="data",
            value=data,
        )
    return {"type": "websocket.receive", "bytes": bytes(data)}


def _json_message(data: Any, mode: Any) -> Message:
    _check_mode(mode)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if mode == "text":
        return {"type": "websocket.receive", "text": text}
    return {"type": "websocket.receive", "bytes": text.encode("utf-8")}


def _check_mode(mode: Any) -> None:
    if mode not in ("text", "binary"):
        raise InvalidArgument(
            f'mode must be "text" or "binary", got {mode!r}.', argument="mode", value=mode
        )


class WebSocketTestSession:
    """The sync session of :class:`~asgitest.TestClient` (Starlette's API): each method runs
    the async session's in the client's event-loop thread.

    Use it as a context manager: ``with client.websocket_connect("/ws") as websocket:``.
    """

    def __init__(self, portal: Any, session: AsyncWebSocketTestSession, owner: Any = None) -> None:
        self._owner = owner  # the client: its loop thread must outlive the session
        self._portal = portal
        self._session = session
        self._cm: Any = None
        # Frames sent and not yet confirmed: a send does not wait for the loop thread (the
        # next call, which runs after it there, reports its failure).
        self._pending: list[Any] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._session.communicator.scope.get('path')!r}>"

    @property
    def accepted_subprotocol(self) -> str | None:
        return self._session.accepted_subprotocol

    @property
    def extra_headers(self) -> Any:
        return self._session.extra_headers

    @property
    def communicator(self) -> WebsocketCommunicator:
        """The :class:`~asgitest.WebsocketCommunicator` underneath (with its transcript)."""
        return self._session.communicator

    def __enter__(self) -> WebSocketTestSession:
        __tracebackhide__ = True
        if self._cm is not None:
            raise UsageError(f"{self!r} was already entered; make a new websocket_connect().")
        self._cm = self._portal.wrap_async_context_manager(self._session)
        self._cm.__enter__()
        return self

    def __exit__(self, *args: Any) -> bool | None:
        __tracebackhide__ = True
        try:
            self._settle()
        except BaseException:
            self._cm.__exit__(*args)
            raise
        result: bool | None = self._cm.__exit__(*args)
        return result

    def _entered(self) -> None:
        if self._cm is None:
            raise UsageError(
                "Use the session as a context manager: "
                "`with client.websocket_connect(url) as websocket:`."
            )

    def _settle(self) -> None:
        """Raise the failure of a send that has not been confirmed yet, if any."""
        __tracebackhide__ = True
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def _call(self, fn: Any, *args: Any) -> Any:
        __tracebackhide__ = True
        self._entered()
        self._settle()
        return self._portal.call(fn, *args)

    def _post(self, message: Message) -> None:
        self._entered()
        waiting = []
        for future in self._pending:
            if future.done():
                future.result()  # (a send that failed: its error, now)
            else:
                waiting.append(future)
        waiting.append(self._portal.start_task_soon(self._session.send, message))
        self._pending = waiting
        if len(self._pending) > 64:
            self._settle()  # (bounded: a test that only sends waits now and then)

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app."""
        self._post(message)

    def send_text(self, data: str) -> None:
        """Send a text frame."""
        self._post(_text_message(data))

    def send_bytes(self, data: bytes) -> None:
        """Send a binary frame."""
        self._post(_bytes_message(data))

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as JSON (``mode="text"`` or ``"binary"``)."""
        self._post(_json_message(data, mode))

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection from the client side."""
        self._call(self._session.close, code, reason)

    def receive(self, timeout: TimeoutArg = DEFAULT) -> Message:
        """The next raw message the app sent."""
        __tracebackhide__ = True
        return self._call(self._session.receive, timeout)  # type: ignore[no-any-return]

    def receive_text(self, timeout: TimeoutArg = DEFAULT) -> str:
        """The next text frame; :class:`WebSocketDisconnect` if the app closed instead."""
        __tracebackhide__ = True
        return self._call(self._session.receive_text, timeout)  # type: ignore[no-any-return]

    def receive_bytes(self, timeout: TimeoutArg = DEFAULT) -> bytes:
        """The next binary frame; :class:`WebSocketDisconnect` if the app closed instead."""
        __tracebackhide__ = True
        return self._call(self._session.receive_bytes, timeout)  # type: ignore[no-any-return]

    def receive_json(
        self, mode: Literal["text", "binary"] = "text", timeout: TimeoutArg = DEFAULT
    ) -> Any:
        """The next frame parsed as JSON."""
        __tracebackhide__ = True
        return self._call(self._session.receive_json, mode, timeout)
