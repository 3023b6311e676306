"""HttpCommunicator: one HTTP request to the application, and its response."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._body import QueryArg, RequestBody, encode_query, encode_request, merge_query
from ._communicator import ApplicationCommunicator
from ._config import DEFAULT
from ._core import NOT_STARTED
from ._errors import InvalidArgument, Timeout, UnexpectedMessage, UsageError
from ._headers import Headers
from ._protocol import (
    DEBUG,
    EARLY_HINTS,
    PATHSEND,
    PUSH,
    TRAILERS,
    ZEROCOPYSEND,
    ResponseProgress,
    request_headers,
)
from ._response import Informational, Push, Response
from ._scopes import DEFAULT_CLIENT, DEFAULT_SERVER, build_http_scope
from ._transcript import DEFAULT_TRANSCRIPT_SIZE, FROM_APP, format_message

if TYPE_CHECKING:
    from ._config import DefaultArg, RulesArg, StrictArg, TimeoutArg
    from ._streaming import StreamContext
    from ._types import Message

__all__ = ["HttpCommunicator"]

_EXTENSION_MESSAGES: Final = (TRAILERS, EARLY_HINTS, PUSH, DEBUG, PATHSEND, ZEROCOPYSEND)

# What reading a malformed message (let through by strict="off"/"warn") can raise.
_UNREADABLE: Final = (TypeError, ValueError, KeyError, AttributeError, IndexError, OSError)


class HttpCommunicator(ApplicationCommunicator):
    """Sends one HTTP request to the application and reads its response.

    The same positional parameters, scope keys and return value as
    ``channels.testing.HttpCommunicator``; the scope also carries what a real server sends
    (``asgi``, ``scheme``, ``raw_path``, ``root_path``, ``client``, ``server``). After the
    request body, the app's ``receive()`` blocks until the response is complete and then
    returns ``http.disconnect``, as a real server's does.

    Beyond channels (all keyword-only): build the body with ``json=``, ``data=``, ``files=``
    or ``content=`` (an iterable of chunks is streamed as several ``http.request``
    messages), add ``query=`` parameters, read the response incrementally with
    :meth:`stream`, go away at any moment with :meth:`disconnect`, and choose the
    ``spec_version`` and the ``extensions`` advertised to the app.

    Args:
        application: the ASGI application.
        method: the HTTP method (upper-cased).
        path: the path, with an optional query string (``"/items?page=2"``).
        body: the request body, sent as one ``http.request`` message.
        headers: ``[(name, value), ...]`` as bytes, passed to the app untouched (a dict is
            turned into lower-cased bytes pairs).
        timeout: the default of every wait, in seconds (``None``: wait forever).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        spec_version: the ASGI spec version advertised in ``scope["asgi"]`` (``"2.0"`` to
            ``"2.5"``; default ``"2.3"``, as uvicorn). From ``"2.4"`` on, the app's
            ``send()`` raises :class:`~asgitest.ClientDisconnected` (an ``OSError``) once the
            client has disconnected.
        extensions: the extensions advertised in ``scope["extensions"]``, e.g.
            ``{"http.response.trailers": {}, "http.response.early_hint": {}}``; the response
            messages of an extension are accepted only when it is advertised.
        query: query parameters added to the path's own (a dict, pairs or a string).
        json: a value sent as a JSON body (``content-type: application/json``).
        data: form fields (``application/x-www-form-urlencoded``, or multipart with ``files``).
        files: uploads for a ``multipart/form-data`` body: ``{"field": bytes | file |
            (filename, content[, content_type[, headers]])}``.
        content: a raw body: bytes or str, or a sync or async iterable of bytes chunks,
            streamed as several ``http.request`` messages, each produced when the app reads.
        scheme, root_path, client, server, http_version: scope values.
        scope: extra scope keys, merged last (validated like the rest).

    Example:
        ```python
        communicator = HttpCommunicator(app, "GET", "/hello")
        response = await communicator.get_response()
        assert response.status == 200 and response.body == b"Hello"
        ```
    """

    def __init__(
        self,
        application: Any,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Any = None,
        *,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        spec_version: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        query: QueryArg = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        content: Any = None,
        scheme: str = "http",
        root_path: str = "",
        client: tuple[str, int] | None = DEFAULT_CLIENT,
        server: tuple[str, int | None] | None = DEFAULT_SERVER,
        http_version: str = "1.1",
        scope: dict[str, Any] | None = None,
        transcript_size: int | None = DEFAULT_TRANSCRIPT_SIZE,
    ) -> None:
        if type(method) is not str or not method or not method.isascii() or " " in method:
            raise InvalidArgument(
                f"HttpCommunicator's method must be an HTTP method name such as 'GET' or "
                f"'POST', got {method!r}.",
                argument="method",
                value=method,
            )
        if type(path) is not str:
            hint = " Decode it first (path=path.decode())." if isinstance(path, bytes) else ""
            raise InvalidArgument(
                f"HttpCommunicator's path must be a str such as '/items?page=2', got "
                f"{type(path).__name__} {path!r}.{hint}",
                argument="path",
                value=path,
            )
        if not isinstance(body, bytes):
            hint = (
                " Encode it first (body=text.encode())."
                if isinstance(body, str)
                else " Convert it with bytes(body)."
            )
            raise InvalidArgument(
                f"HttpCommunicator body must be bytes, got {type(body).__name__}.{hint}"
            )
        request_body: RequestBody | None = None
        if json is not None or data is not None or files is not None or content is not None:
            added, request_body = encode_request(
                body=body, json=json, data=data, files=files, content=content
            )
            headers = request_headers(headers)
            present = {bytes(pair[0]).lower() for pair in headers or () if _is_bytes_pair(pair)}
            headers = list(headers or []) + [pair for pair in added if pair[0] not in present]
            body = request_body.content or b""
        elif headers is not None:
            headers = request_headers(headers)
        self.body = body
        self.request_body = request_body
        self.sent_request = False
        built, scope_key = build_http_scope(
            method,
            path,
            headers,
            spec_version=spec_version,
            scheme=scheme,
            root_path=root_path,
            client=client,
            server=server,
            http_version=http_version,
            extra=scope,
        )
        if query is not None:
            built["query_string"] = merge_query(built["query_string"], encode_query(query))
            scope_key = None
        if extensions is not None:
            built["extensions"] = {name: dict(value or {}) for name, value in extensions.items()}
            scope_key = None
        self._extensions: dict[str, Any] = built.get("extensions") or {}
        # Where the test's reading of the response stands (the engine tracks the app's
        # sending with the same kind of object, to tell when the response is complete).
        self._progress = ResponseProgress(self._extensions)
        self._response: Response | None = None
        self._disconnect_mark: int | None = None
        super().__init__(
            application,
            built,
            timeout=timeout,
            strict=strict,
            ignore_rules=ignore_rules,
            transcript_size=transcript_size,
            _scope_key=scope_key,
        )

    # ------------------------------------------------------------------ request

    async def send_request(self) -> None:
        """Send the request body (once; :meth:`get_response` and :meth:`stream` call it).

        A streamed body (``content=`` an iterable) is handed to the app chunk by chunk as it
        calls ``receive()``, so a slow or endless upload never blocks the test.
        """
        if self.sent_request:
            return
        self.sent_request = True
        request_body = self.request_body
        streaming = request_body is not None and request_body.streaming
        if not streaming and not self._plain_io:
            # A subclass watches the asgiref methods: go through them, as channels does.
            await self.send_input({"type": "http.request", "body": self.body})
            return
        engine = self._engine
        if engine.state != NOT_STARTED and (
            engine.exception is not None or engine.violation is not None
        ):
            engine.raise_failure()
        # The input is set up before start(): on Python 3.12+ the app's first step runs there.
        if streaming:
            engine.feeder = request_body.next_message  # type: ignore[union-attr]
            engine._wake_app()  # an app already waiting in receive() reads from it now
        else:
            engine.put({"type": "http.request", "body": self.body})  # what send_input() does
        if engine.state == NOT_STARTED:
            engine.start(eager=True)

    async def send_body(self, chunk: bytes = b"", *, more_body: bool = False) -> None:
        """Send one ``http.request`` message yourself (for a body the test paces by hand).

        Use it instead of ``body=``/``content=``: ``send_body(b"part", more_body=True)``, then
        more, then ``send_body(b"last")``. :meth:`get_response` then sends nothing more.
        """
        if not isinstance(chunk, bytes):
            raise InvalidArgument(f"send_body() takes bytes, got {type(chunk).__name__}.")
        if self.sent_request and self.request_body is not None:
            raise UsageError("send_body() cannot be mixed with json=, data=, files= or content=.")
        self.sent_request = True
        await self.send_input({"type": "http.request", "body": chunk, "more_body": more_body})

    # ------------------------------------------------------------------ response

    @property
    def extensions(self) -> dict[str, Any]:
        """The extensions advertised in the scope (``scope["extensions"]``, or ``{}``)."""
        return self._extensions

    async def get_response(self, timeout: TimeoutArg = DEFAULT) -> Response:
        """Send the request (once) and read the whole response.

        The timeout applies to each message, as in channels. Returns a :class:`Response`: the
        ``dict`` channels returns (``status``, ``headers``, ``body`` and any extra keys of
        the app's ``http.response.start``) with ``.status``, ``.headers``, ``.body``,
        ``.text``, ``.json()``, and, for advertised extensions, ``.trailers``,
        ``.informational`` (early hints) and ``.pushes``.

        Raises:
            Exception: the app's own exception, as soon as it is raised.
            Timeout: a message did not arrive in time, or the app ended without one.
            UnexpectedMessage: the app sent another message type than the response needs.
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        response = await self.read_start(timeout)
        chunks: list[bytes] = []
        while not self._progress.complete:  # (read_chunk() would return None at once)
            chunk = await self.read_chunk(timeout)
            if chunk is None:
                break
            if chunk:
                chunks.append(chunk)
        response["body"] = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return response

    def stream(self, timeout: TimeoutArg = DEFAULT) -> StreamContext:
        """Read the response incrementally: ``async with communicator.stream() as response:``.

        The :class:`~asgitest.StreamingResponse` is ready as soon as the app sent
        ``http.response.start``; iterate ``response.iter_bytes()`` or
        ``response.iter_events()``. Leaving the block before the end disconnects (the app
        receives ``http.disconnect``). Also usable as ``response = await
        communicator.stream()`` (then call ``await response.aclose()``).
        """
        from ._streaming import StreamContext

        return StreamContext(self, timeout)

    async def read_start(self, timeout: TimeoutArg = DEFAULT) -> Response:
        """Send the request if needed and read up to ``http.response.start``.

        Returns the :class:`Response` with an empty body; early hints and debug info sent
        before the start are collected into it.
        """
        __tracebackhide__ = True
        try:
            return await self._read_start(timeout)
        except _UNREADABLE as error:
            self._reraise_unreadable(error)
            raise

    async def _read_start(self, timeout: TimeoutArg) -> Response:
        __tracebackhide__ = True
        self._check_timeout(timeout)
        if self._response is not None:
            return self._response
        engine = self._engine
        plain = self._plain_io
        if not self.sent_request:
            if plain and self.request_body is None:
                # What send_request() does for a plain body, without the extra coroutine.
                self.sent_request = True
                self._put({"type": "http.request", "body": self.body})
            else:
                await self.send_request()
        informational: list[Informational] = []
        debug: dict[str, Any] | None = None
        self._awaiting = '"http.response.start"'
        try:
            while True:
                message = self._waiting_message()
                if message is None:
                    if plain:  # what receive_output() does, without the extra coroutine
                        message = await engine.get(self._timeout(timeout), '"http.response.start"')
                    else:
                        message = await self.receive_output(self._given(timeout))
                kind = message.get("type")
                if kind == "http.response.start":
                    break
                if kind == EARLY_HINTS and EARLY_HINTS in self.extensions:
                    informational.append(_early_hint(message))
                elif kind == DEBUG and DEBUG in self.extensions:
                    debug = dict(message.get("info") or {})
                else:
                    raise self._unexpected('"http.response.start"', message)
        finally:
            self._awaiting = None
        response = Response(message)
        del response["type"]
        response["headers"] = Headers(message.get("headers") or [])
        response["body"] = b""
        if informational:
            response._informational = informational
        if debug is not None:
            response.debug = debug
        self._response = response
        self._progress.started(message)
        return response

    async def read_chunk(self, timeout: TimeoutArg = DEFAULT) -> bytes | None:
        """The next piece of the response body (maybe ``b""``), or ``None`` once complete.

        Call :meth:`read_start` first. Trailers, pushes and late early hints are collected
        into the :class:`Response` on the way.
        """
        __tracebackhide__ = True
        try:
            return await self._read_chunk(timeout)
        except _UNREADABLE as error:
            self._reraise_unreadable(error)
            raise

    async def _read_chunk(self, timeout: TimeoutArg) -> bytes | None:
        __tracebackhide__ = True
        self._check_timeout(timeout)
        response = self._response
        if response is None:
            raise UsageError("read_chunk() needs the response start: call read_start() first.")
        engine = self._engine
        extensions = self._extensions
        outbox = engine.outbox
        progress = self._progress
        while not progress.complete:
            if outbox and self._plain_io and engine.exception is None and engine.violation is None:
                message = outbox.popleft()  # already there: no wait
            else:
                if progress.phase == "trailers":
                    self._awaiting = '"http.response.trailers"'
                else:
                    self._awaiting = '"http.response.body"'
                try:
                    message = await self.receive_output(self._given(timeout))
                finally:
                    self._awaiting = None
            kind = message.get("type")
            if progress.phase == "trailers":
                if kind != TRAILERS:
                    raise self._unexpected('"http.response.trailers"', message)
                trailers = response._trailers
                if trailers is None:
                    trailers = response._trailers = Headers()
                trailers.extend(message.get("headers") or [])
                if not message.get("more_trailers", False):
                    progress.phase = "done"
                continue
            if kind == "http.response.body":
                chunk = message.get("body", b"")
                if not isinstance(chunk, bytes):
                    raise self._unexpected("a bytes body", message)
                if not message.get("more_body", False):
                    self._end_body()
                return chunk
            if kind == ZEROCOPYSEND and ZEROCOPYSEND in extensions:
                chunk = _read_zerocopy(message)
                if not message.get("more_body", False):
                    self._end_body()
                return chunk
            if kind == PATHSEND and PATHSEND in extensions:
                chunk = _read_path(message["path"])
                self._end_body()
                return chunk
            if kind == PUSH and PUSH in extensions:
                pushes = response._pushes
                if pushes is None:
                    pushes = response._pushes = []
                pushes.append(Push(message.get("path", ""), Headers(message.get("headers") or [])))
                continue
            if kind == EARLY_HINTS and EARLY_HINTS in extensions:
                informational = response._informational
                if informational is None:
                    informational = response._informational = []
                informational.append(_early_hint(message))
                continue
            raise self._unexpected('"http.response.body"', message)
        return None

    def _end_body(self) -> None:
        self._progress.body_ended()

    @property
    def response_complete(self) -> bool:
        """Whether the whole response (body and any trailers) has been read."""
        return self._progress.complete

    # ------------------------------------------------------------------ disconnect

    async def disconnect(
        self, timeout: TimeoutArg = DEFAULT, *, _body_error: BaseException | None = None
    ) -> list[Message]:
        """The client goes away now; wait for the app to return.

        Works at any point: before the request body is complete, after the response started,
        mid-stream or after the end. The app's ``receive()`` returns ``http.disconnect`` from
        now on; with ``spec_version`` 2.4 or later its ``send()`` raises
        :class:`~asgitest.ClientDisconnected` (an ``OSError``); before 2.4 what it sends is
        accepted and dropped, as servers do. What the app did next is in the transcript.

        Returns:
            The messages the app sent after the disconnect (normally none).

        Raises:
            Exception: the app's own exception (one caused by ``ClientDisconnected``, such as
                Starlette's ``ClientDisconnect``, counts as its reaction, not a failure).

        An app that does not return within the timeout is cancelled, with a
        :class:`~asgitest.LeakedAppWarning` (it would leak in a real server too).
        """
        __tracebackhide__ = True
        self._check_timeout(timeout)
        engine = self._engine
        message: Message = {"type": "http.disconnect"}
        if self._disconnect_mark is None:
            self._disconnect_mark = self.transcript.total
            if engine.state == NOT_STARTED:
                engine.start()
            engine.feeder = None
            if engine.input_closed is None:
                engine.disconnect_client(message)
            else:
                engine.mark_disconnected(engine.input_closed)
        if engine.running:
            try:
                await self.wait(self._given(timeout))
            except Timeout:
                await engine.cancel_and_wait()
                if _body_error is None:
                    engine.leak_warning(
                        "it did not return after http.disconnect "
                        f"(waited {self._timeout(timeout)}s); does it ignore the disconnect?"
                    )
        if engine.failed and not engine.exception_reported:
            engine.raise_failure()
        return self.sent_after_disconnect

    @property
    def disconnected(self) -> bool:
        """Whether the test called :meth:`disconnect`."""
        return self._disconnect_mark is not None

    @property
    def sent_after_disconnect(self) -> list[Message]:
        """The messages the app sent after :meth:`disconnect` (from the transcript)."""
        mark = self._disconnect_mark
        if mark is None:
            return []
        return [
            entry.message
            for entry in self.transcript
            if entry.index >= mark and entry.direction == FROM_APP
        ]

    def _unexpected(self, expected: str, message: Any) -> UnexpectedMessage:
        text = f"Expected {expected} from the app, got {format_message(message)}."
        kind = message.get("type") if isinstance(message, Mapping) else None
        if kind in _EXTENSION_MESSAGES and kind not in self.extensions:
            text += (
                f' The app sent "{kind}", which belongs to an extension this request did not '
                f"advertise. To test it, advertise it: HttpCommunicator(..., "
                f"extensions={{{kind!r}: {{}}}})."
            )
        return UnexpectedMessage(
            text,
            message=message,
            transcript=self.transcript,
            scope=self.scope,
        )


def _is_bytes_pair(pair: Any) -> bool:
    try:
        return isinstance(pair[0], bytes | bytearray)
    except (TypeError, IndexError):
        return False


def _early_hint(message: Message) -> Informational:
    links = message.get("links") or []
    return Informational(103, Headers([(b"link", bytes(link)) for link in links]))


def _read_path(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _read_zerocopy(message: Message) -> bytes:
    file = message["file"]
    offset = message.get("offset")
    count = message.get("count")
    fd = file.fileno()
    if offset is None:
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        advance = True
    else:
        advance = False
    if count is None:
        count = os.fstat(fd).st_size - offset
    data = os.pread(fd, count, offset)
    if advance:
        os.lseek(fd, offset + len(data), os.SEEK_SET)
    return data
