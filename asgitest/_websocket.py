"""WebsocketCommunicator: a WebSocket client for the application, channels-compatible."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._assertions import WebsocketExpectMixin
from ._communicator import ApplicationCommunicator
from ._config import DEFAULT
from ._errors import (
    InvalidArgument,
    Timeout,
    UnexpectedMessage,
    WebsocketClosed,
    WebsocketRejected,
)
from ._headers import Headers
from ._response import Response
from ._scopes import DEFAULT_CLIENT, DEFAULT_SERVER, build_websocket_scope
from ._transcript import DEFAULT_TRANSCRIPT_SIZE, format_message

if TYPE_CHECKING:
    from ._config import DefaultArg, RulesArg, StrictArg, TimeoutArg

__all__ = ["WebsocketCommunicator"]

_NO_HEADERS: Final = object()  # an accept without "headers"

DENIAL: Final = "websocket.http.response"


class WebsocketCommunicator(WebsocketExpectMixin, ApplicationCommunicator):
    """A WebSocket client for the application: connect, send, receive, disconnect.

    The same positional parameters, scope keys, return values and assertion texts as
    ``channels.testing.WebsocketCommunicator``; the scope also carries what a real server
    sends (``asgi`` with the spec version, ``scheme``, ``raw_path``, ``root_path``,
    ``client``, ``server``, ``http_version``).

    Args:
        application: the ASGI application.
        path: the path, with an optional query string.
        headers: ``[(name, value), ...]`` as bytes, passed to the app untouched.
        subprotocols: the subprotocols the client offers.
        spec_version: the ASGI spec version; as in channels it is also put at the top level
            of the scope when given. Default ``"2.4"`` (as uvicorn) in ``scope["asgi"]``.
        timeout: the default of every wait, in seconds (``None``: wait forever).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        scheme, root_path, client, server, http_version: scope values.
        extensions: the extensions advertised in ``scope["extensions"]``; with
            ``{"websocket.http.response": {}}`` the app may refuse the handshake with an HTTP
            response (the denial response extension).
        scope: extra scope keys, merged last (validated like the rest).

    Attributes:
        response_headers: the ``headers`` of the app's ``websocket.accept`` exactly as sent
            (``None`` until accepted).
        subprotocol: the subprotocol the app accepted with.
        close_code: the code of the app's ``websocket.close`` once it closed, else ``None``.
        close_reason: its reason (``""`` when none was given; spec 2.3+).
        denial_response: the HTTP response the app sent instead of accepting (a
            :class:`~asgitest.Response`), with the denial response extension; else ``None``.

    Example:
        ```python
        async with WebsocketCommunicator(app, "/ws/echo/") as communicator:
            connected, _ = await communicator.connect()
            await communicator.send_to(text_data="hello")
            assert await communicator.receive_from() == "hello"
        ```
    """

    def __init__(
        self,
        application: Any,
        path: str,
        headers: Any = None,
        subprotocols: Any = None,
        spec_version: str | None = None,
        *,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        scheme: str = "ws",
        root_path: str = "",
        client: tuple[str, int] | None = DEFAULT_CLIENT,
        server: tuple[str, int | None] | None = DEFAULT_SERVER,
        http_version: str = "1.1",
        extensions: Mapping[str, Any] | None = None,
        scope: dict[str, Any] | None = None,
        transcript_size: int | None = DEFAULT_TRANSCRIPT_SIZE,
    ) -> None:
        if not isinstance(path, str):
            # (channels' words first: its suites match them.)
            raise InvalidArgument(
                f"Expected str, got {type(path)}: WebsocketCommunicator's path must be a str "
                f"such as '/ws/chat/?room=1', got {path!r}.",
                argument="path",
                value=path,
            )
        self._response_headers: Any = None
        self.subprotocol: str | None = None
        self.close_code: int | None = None
        self.close_reason: str = ""
        self.denial_response: Response | None = None
        if extensions is not None:
            scope = {
                "extensions": {name: dict(value or {}) for name, value in extensions.items()},
                **(scope or {}),
            }
        built, scope_key = build_websocket_scope(
            path,
            headers,
            subprotocols,
            spec_version,
            scheme=scheme,
            root_path=root_path,
            client=client,
            server=server,
            http_version=http_version,
            extra=scope,
        )
        super().__init__(
            application,
            built,
            timeout=timeout,
            strict=strict,
            ignore_rules=ignore_rules,
            transcript_size=transcript_size,
            _scope_key=scope_key,
        )

    @property
    def response_headers(self) -> Any:
        # (Documented under Attributes in the class docstring: no docstring here, so that the
        # API pages do not show it twice.)
        headers = self._response_headers
        if headers is _NO_HEADERS:
            # Accepted without headers: the empty list is made when first asked for, not
            # kept alive in every idle connection.
            headers = self._response_headers = []
        return headers

    @response_headers.setter
    def response_headers(self, value: Any) -> None:
        self._response_headers = value

    async def connect(
        self, timeout: TimeoutArg = DEFAULT, *, raise_on_reject: bool = False
    ) -> tuple[bool, Any]:
        """Open the connection: ``(True, subprotocol)`` if accepted, ``(False, code)`` if not.

        A close before accept gives ``(False, close_code)`` (a real server answers 403 and the
        client never sees that code). With the denial response extension advertised, an HTTP
        response instead of accept gives ``(False, status)`` and is kept as
        :attr:`denial_response`.

        Args:
            timeout: seconds to wait for the app's answer.
            raise_on_reject: raise :class:`~asgitest.WebsocketRejected` (with the status,
                close code, reason and denial response) instead of returning ``False``.

        Raises:
            Exception: the app's own exception, as soon as it is raised.
            Timeout: the app neither accepted nor closed in time.
            UnexpectedMessage: the app sent something else.
            ProtocolError: the app accepted a subprotocol the client did not offer (R77).
        """
        __tracebackhide__ = True
        try:
            return await self._connect(timeout, raise_on_reject)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, OSError) as error:
            self._reraise_unreadable(error)
            raise

    async def _connect(self, timeout: TimeoutArg, raise_on_reject: bool) -> tuple[bool, Any]:
        __tracebackhide__ = True
        self._check_timeout(timeout)
        plain = self._plain_io
        if plain:
            self._put({"type": "websocket.connect"})
        else:
            await self.send_input({"type": "websocket.connect"})
        engine = self._engine
        denial = DENIAL in (self.scope.get("extensions") or {})
        self._awaiting = (
            '"websocket.accept", "websocket.close" or "websocket.http.response.start"'
            if denial
            else '"websocket.accept" or "websocket.close"'
        )
        try:
            response = self._waiting_message()
            if response is None:
                if plain:  # what receive_output() does, without the extra coroutine
                    response = await engine.get(self._timeout(timeout), self._awaiting)
                else:
                    response = await self.receive_output(self._given(timeout))
        finally:
            self._awaiting = None
        kind = response.get("type")
        if kind == "websocket.close":
            self._record_close(response)
            if raise_on_reject:
                raise WebsocketRejected(
                    f"The app rejected the WebSocket handshake to {self.scope.get('path')!r} "
                    f"by closing it before accepting (code {self.close_code}"
                    + (f", reason {self.close_reason!r}" if self.close_reason else "")
                    + "): a real server answers HTTP 403, and the client never sees the code.",
                    status=403,
                    code=self.close_code,
                    reason=self.close_reason,
                    message=response,
                    transcript=self.transcript,
                    scope=self.scope,
                )
            return (False, response.get("code", 1000))
        if kind == "websocket.http.response.start" and denial:
            denied = await self._read_denial(response, timeout)
            if raise_on_reject:
                raise WebsocketRejected(
                    f"The app denied the WebSocket handshake to {self.scope.get('path')!r} "
                    f"with an HTTP {denied.status} response: {denied.body[:200]!r}.",
                    status=denied.status,
                    response=denied,
                    message=response,
                    transcript=self.transcript,
                    scope=self.scope,
                )
            return (False, denied.status)
        if kind != "websocket.accept":
            text = (
                f'Expected "websocket.accept" or "websocket.close" from the app, got '
                f"{format_message(response)}."
            )
            if kind == "websocket.http.response.start":
                text += (
                    " The app sent a denial response, which needs the extension advertised: "
                    "WebsocketCommunicator(..., extensions={'websocket.http.response': {}})."
                )
            raise UnexpectedMessage(
                text,
                message=response,
                transcript=self.transcript,
                scope=self.scope,
            )
        self._response_headers = response.get("headers", _NO_HEADERS)
        # (An unoffered subprotocol is R77: the spec checker reports it, in the app's send().)
        self.subprotocol = response.get("subprotocol", None)
        return (True, self.subprotocol)

    async def _read_denial(self, start: Any, timeout: TimeoutArg) -> Response:
        __tracebackhide__ = True
        engine = self._engine
        chunks: list[bytes] = []
        self._awaiting = '"websocket.http.response.body"'
        try:
            while True:
                message = await self.receive_output(self._given(timeout))
                if message.get("type") != "websocket.http.response.body":
                    raise UnexpectedMessage(
                        f'Expected "websocket.http.response.body" from the app, got '
                        f"{format_message(message)}.",
                        message=message,
                        transcript=self.transcript,
                        scope=self.scope,
                    )
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        finally:
            self._awaiting = None
        response = Response(
            status=start.get("status"),
            headers=Headers(start.get("headers") or []),
            body=b"".join(chunks),
        )
        self.denial_response = response
        if engine.input_closed is None:
            # The server sent the HTTP response and closed the connection (no close frame).
            engine.disconnect_client({"type": "websocket.disconnect", "code": 1006})
        return response

    def _record_close(self, message: Any) -> None:
        self.close_code = message.get("code", 1000)
        self.close_reason = message.get("reason") or ""

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Send a text or a binary frame (exactly one of the two; empty frames are allowed)."""
        if (text_data is None) == (bytes_data is None):
            raise InvalidArgument("You must supply exactly one of text_data or bytes_data")
        if text_data is not None:
            if not isinstance(text_data, str):
                raise InvalidArgument("The text_data argument must be a str")
            await self.send_input({"type": "websocket.receive", "text": text_data})
        else:
            if not isinstance(bytes_data, bytes):
                raise InvalidArgument("The bytes_data argument must be bytes")
            await self.send_input({"type": "websocket.receive", "bytes": bytes_data})

    async def send_json_to(self, data: Any, **dumps_kwargs: Any) -> None:
        """Send ``data`` as JSON in a text frame (``dumps_kwargs`` go to ``json.dumps``)."""
        await self.send_to(text_data=json.dumps(data, **dumps_kwargs))

    async def receive_from(self, timeout: TimeoutArg = DEFAULT) -> str | bytes:
        """Receive one frame: ``str`` for a text frame, ``bytes`` for a binary one.

        Raises:
            WebsocketClosed: the app closed the connection instead (an ``AssertionError``
                whose text is channels' "Expected type 'websocket.send', but was
                'websocket.close'"; ``.code`` and ``.reason`` tell the rest).
            Timeout: no frame arrived in time.
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        response = self._waiting_message()
        if response is None:
            self._awaiting = '"websocket.send"'
            try:
                response = await self.receive_output(self._given(timeout))
            finally:
                self._awaiting = None
        kind = response.get("type")
        if kind != "websocket.send":
            text = f"Expected type 'websocket.send', but was '{kind}'"
            if kind == "websocket.close":
                self._record_close(response)
                raise WebsocketClosed(
                    text,
                    code=self.close_code or 1000,
                    reason=self.close_reason,
                    message=response,
                    transcript=self.transcript,
                    scope=self.scope,
                )
            raise UnexpectedMessage(
                text, message=response, transcript=self.transcript, scope=self.scope
            )
        text_payload = response.get("text")
        bytes_payload = response.get("bytes")
        if (text_payload is None) == (bytes_payload is None):
            raise UnexpectedMessage(
                "The response needs exactly one of 'text' or 'bytes'",
                message=response,
                transcript=self.transcript,
                scope=self.scope,
            )
        if text_payload is not None:
            if not isinstance(text_payload, str):
                raise UnexpectedMessage(
                    "Text frame payload is not str",
                    message=response,
                    transcript=self.transcript,
                    scope=self.scope,
                )
            return text_payload
        if not isinstance(bytes_payload, bytes):
            raise UnexpectedMessage(
                "Binary frame payload is not bytes",
                message=response,
                transcript=self.transcript,
                scope=self.scope,
            )
        return bytes_payload

    async def receive_json_from(self, timeout: TimeoutArg = DEFAULT) -> Any:
        """Receive one text frame and parse it as JSON."""
        __tracebackhide__ = True
        payload = await self.receive_from(self._given(timeout))
        if not isinstance(payload, str):
            raise UnexpectedMessage(
                f"JSON data is not a text frame, it is {type(payload)}",
                transcript=self.transcript,
                scope=self.scope,
            )
        return json.loads(payload)

    async def receive_close(self, timeout: TimeoutArg = DEFAULT) -> tuple[int, str]:
        """Wait for the app to close the connection; return ``(code, reason)``.

        Returns at once if the close was already seen (by :meth:`connect` or
        :meth:`receive_from`).

        Raises:
            UnexpectedMessage: the app sent a frame (or anything else) instead.
            Timeout: the app did not close in time.
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        if self.close_code is not None:
            return (self.close_code, self.close_reason)
        self._awaiting = '"websocket.close"'
        try:
            message = await self.receive_output(self._given(timeout))
        finally:
            self._awaiting = None
        if message.get("type") != "websocket.close":
            raise UnexpectedMessage(
                f'Expected "websocket.close" from the app, got {format_message(message)}.',
                message=message,
                transcript=self.transcript,
                scope=self.scope,
            )
        self._record_close(message)
        return (self.close_code or 1000, self.close_reason)

    async def assert_closed(
        self,
        code: int | None = None,
        reason: str | None = None,
        timeout: TimeoutArg = DEFAULT,
    ) -> tuple[int, str]:
        """Assert that the app closes the connection (with ``code`` and ``reason`` if given).

        Returns:
            ``(code, reason)`` of the close.

        Raises:
            UnexpectedMessage: (an ``AssertionError``) another code or reason, or a frame.
        """
        __tracebackhide__ = True
        got_code, got_reason = await self.receive_close(timeout)
        wrong = []
        if code is not None and got_code != code:
            wrong.append(f"code {code} expected, got {got_code}")
        if reason is not None and got_reason != reason:
            wrong.append(f"reason {reason!r} expected, got {got_reason!r}")
        if wrong:
            raise UnexpectedMessage(
                f"The app closed the WebSocket, but {' and '.join(wrong)}.",
                transcript=self.transcript,
                scope=self.scope,
            )
        return (got_code, got_reason)

    async def disconnect(
        self, code: int = 1000, timeout: TimeoutArg = DEFAULT, *, reason: str | None = None
    ) -> None:
        """Close the connection from the client side and wait for the app to return.

        Sends ``websocket.disconnect`` (with ``reason`` only when the spec version is 2.5 or
        later), then waits. An app that does not return in time is cancelled, with a
        :class:`~asgitest.LeakedAppWarning`; an app that crashed raises its exception.
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        message: dict[str, Any] = {"type": "websocket.disconnect", "code": code}
        engine = self._engine
        if reason is not None and engine.spec_version >= (2, 5):
            message["reason"] = reason
        if self._plain_io:
            self._put(message)
        else:
            await self.send_input(message)
        engine.mark_disconnected(message)
        try:
            if self._plain_io:
                await engine.join(self._timeout(timeout), "the app to return")  # as wait()
            else:
                await self.wait(self._given(timeout))
        except Timeout:
            await engine.cancel_and_wait()
            engine.leak_warning(
                "it did not return after websocket.disconnect "
                f"(waited {self._timeout(timeout)}s); does it ignore the disconnect?"
            )
            engine.raise_failure()
