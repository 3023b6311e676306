"""Streaming responses: read the response start at once, then the body as the app sends it.

``async with communicator.stream() as response:`` gives a :class:`StreamingResponse` as soon
as the app sent ``http.response.start``; ``response.iter_bytes()`` yields body chunks as they
arrive (each wait bounded by the timeout) and ``response.iter_events()`` parses
``text/event-stream`` into :class:`ServerSentEvent` objects. Leaving the block before the
response is complete disconnects the client: the app receives ``http.disconnect``.

The iterators are plain classes rather than async generators, so breaking out of an
``async for`` leaves nothing to finalize later (no "asynchronous generator was never closed"
noise on either asyncio or trio).
"""

from __future__ import annotations

import codecs
import json as jsonlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._config import DEFAULT
from ._core import NOT_STARTED, current_backend

if TYPE_CHECKING:
    from typing import Protocol

    from ._config import TimeoutArg
    from ._headers import Headers
    from ._response import Informational, Push, Response
    from ._transcript import Transcript

    class HttpCommunicator(Protocol):
        """What a streamed response reads from (asgitest.HttpCommunicator; named by its
        protocol, so that this module does not import the one that makes it)."""

        _engine: Any
        transcript: Transcript

        @property
        def response_complete(self) -> bool: ...

        @property
        def disconnected(self) -> bool: ...

        async def read_start(self, timeout: TimeoutArg = ...) -> Response: ...

        async def read_chunk(self, timeout: TimeoutArg = ...) -> bytes | None: ...

        async def disconnect(
            self, timeout: TimeoutArg = ..., *, _body_error: BaseException | None = None
        ) -> Any: ...

        async def __aenter__(self) -> Any: ...

        async def __aexit__(self, *args: Any) -> None: ...


__all__ = ["ServerSentEvent", "StreamContext", "StreamingResponse", "parse_sse"]


@dataclass(frozen=True)
class ServerSentEvent:
    """One event of a ``text/event-stream`` response.

    Attributes:
        data: the event's data lines joined with ``"\\n"``.
        event: the event type (``"message"`` when the app gave none).
        id: the last event ID seen so far in the stream (as a browser's ``lastEventId``),
            or ``None`` when no ``id:`` field has been sent.
        retry: the reconnection time in milliseconds, if this event set one.
    """

    data: str = ""
    event: str = "message"
    id: str | None = None
    retry: int | None = None

    def json(self, **kwargs: Any) -> Any:
        """The data parsed as JSON."""
        return jsonlib.loads(self.data, **kwargs)


class _SSEParser:
    """The event-stream interpretation of the HTML standard, fed text incrementally."""

    __slots__ = ("_buffer", "_data", "_event", "_first", "_last_id", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._first = True
        self._skip_lf = False

    def feed(self, text: str, final: bool = False) -> list[ServerSentEvent]:
        if self._first and text:
            self._first = False
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._skip_lf and text:
            # The previous piece ended with CR: a LF right after it is the same line ending.
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        buffer = self._buffer + text
        events: list[ServerSentEvent] = []
        start = 0
        length = len(buffer)
        while start < length:
            cr = buffer.find("\r", start)
            lf = buffer.find("\n", start)
            if cr == -1 and lf == -1:
                break
            if cr != -1 and (lf == -1 or cr < lf):
                end = cr
                if cr + 1 == length:
                    next_start = length
                    self._skip_lf = True  # a CR ends the line at once, as in a browser
                else:
                    next_start = cr + 2 if buffer[cr + 1] == "\n" else cr + 1
            else:
                end, next_start = lf, lf + 1
            event = self._line(buffer[start:end])
            if event is not None:
                events.append(event)
            start = next_start
        self._buffer = buffer[start:]
        if final and self._buffer:
            event = self._line(self._buffer)
            self._buffer = ""
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment (keep-alive)
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event, retry = self._data, self._event, self._retry
        self._data, self._event, self._retry = [], "", None
        if not data:
            return None  # the standard dispatches nothing when the data buffer is empty
        return ServerSentEvent("\n".join(data), event or "message", self._last_id, retry)


def parse_sse(text: str | bytes) -> list[ServerSentEvent]:
    """Parse a whole ``text/event-stream`` body into events (an unterminated last event is
    dropped, as a browser drops it)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return _SSEParser().feed(text, final=True)


class _ChunkIterator:
    __slots__ = ("_response", "_timeout")

    def __init__(self, response: StreamingResponse, timeout: TimeoutArg) -> None:
        self._response = response
        self._timeout = timeout

    def __aiter__(self) -> _ChunkIterator:
        return self

    async def __anext__(self) -> bytes:
        __tracebackhide__ = True
        chunk = await self._response.next_chunk(self._timeout)
        if chunk is None:
            raise StopAsyncIteration
        return chunk


class _TextIterator:
    __slots__ = ("_chunks", "_decoder")

    def __init__(self, response: StreamingResponse, timeout: TimeoutArg) -> None:
        self._chunks = _ChunkIterator(response, timeout)
        self._decoder = codecs.getincrementaldecoder(response.charset)(errors="replace")

    def __aiter__(self) -> _TextIterator:
        return self

    async def __anext__(self) -> str:
        __tracebackhide__ = True
        while True:
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                tail = self._decoder.decode(b"", final=True)
                if tail:
                    return tail
                raise
            text = self._decoder.decode(chunk)
            if text:
                return text


class _LineIterator:
    __slots__ = ("_buffer", "_done", "_lines", "_text")

    def __init__(self, response: StreamingResponse, timeout: TimeoutArg) -> None:
        self._text = _TextIterator(response, timeout)
        self._buffer = ""
        self._lines: list[str] = []
        self._done = False

    def __aiter__(self) -> _LineIterator:
        return self

    async def __anext__(self) -> str:
        __tracebackhide__ = True
        while not self._lines:
            if self._done:
                raise StopAsyncIteration
            try:
                text = await self._text.__anext__()
            except StopAsyncIteration:
                self._done = True
                if self._buffer:
                    self._lines.append(self._buffer)
                    self._buffer = ""
                continue
            parts = (self._buffer + text).splitlines(keepends=True)
            self._buffer = parts.pop() if parts and not parts[-1].endswith(("\n", "\r")) else ""
            self._lines.extend(line.rstrip("\r\n") for line in parts)
        return self._lines.pop(0)


class _EventIterator:
    __slots__ = ("_chunks", "_decoder", "_done", "_parser", "_pending")

    def __init__(self, response: StreamingResponse, timeout: TimeoutArg) -> None:
        self._chunks = _ChunkIterator(response, timeout)
        # text/event-stream is always UTF-8.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._parser = _SSEParser()
        self._pending: list[ServerSentEvent] = []
        self._done = False

    def __aiter__(self) -> _EventIterator:
        return self

    async def __anext__(self) -> ServerSentEvent:
        __tracebackhide__ = True
        while not self._pending:
            if self._done:
                raise StopAsyncIteration
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                # A CR held back (it may have been half of a CRLF) ends its line now; an
                # unterminated last event is still not dispatched (as in a browser).
                tail = self._decoder.decode(b"", final=True)
                self._pending.extend(self._parser.feed(tail, final=True))
                continue
            self._pending.extend(self._parser.feed(self._decoder.decode(chunk)))
        return self._pending.pop(0)


class StreamingResponse:
    """A response read while the app is still sending it.

    Made by ``communicator.stream()`` or ``client.stream()``. The status and headers are
    there at once; the body comes from :meth:`iter_bytes`, :meth:`iter_text`,
    :meth:`iter_lines`, :meth:`iter_events` or :meth:`read`. Each wait for the next message
    is bounded by the timeout (the communicator's, unless given).

    Attributes:
        response: the :class:`~asgitest.Response` being filled (its ``body`` is set by
            :meth:`read`; trailers, early hints and pushes land in it as they arrive).
        communicator: the :class:`~asgitest.HttpCommunicator` underneath.
    """

    def __init__(
        self, communicator: HttpCommunicator, response: Response, timeout: TimeoutArg = DEFAULT
    ) -> None:
        self.communicator = communicator
        self.response = response
        self._timeout = timeout

    @property
    def status(self) -> int:
        """The status code."""
        return self.response.status

    @property
    def headers(self) -> Headers:
        """The response headers (case-insensitive lookups, str or bytes keys)."""
        return self.response.headers

    @property
    def charset(self) -> str:
        """The charset of ``Content-Type`` (``utf-8`` when none is given)."""
        return self.response.charset

    @property
    def trailers(self) -> Headers:
        """The trailers, once the body has been read to the end."""
        return self.response.trailers

    @property
    def informational(self) -> list[Informational]:
        """Early hints (103) the app sent."""
        return self.response.informational

    @property
    def pushes(self) -> list[Push]:
        """Server pushes the app requested."""
        return self.response.pushes

    @property
    def is_complete(self) -> bool:
        """Whether the whole response has been read."""
        return self.communicator.response_complete

    @property
    def transcript(self) -> Transcript:
        """The communicator's transcript."""
        return self.communicator.transcript

    async def next_chunk(self, timeout: TimeoutArg = DEFAULT) -> bytes | None:
        """The next non-empty body chunk, or ``None`` once the response is complete."""
        __tracebackhide__ = True
        if timeout is DEFAULT:
            timeout = self._timeout
        communicator = self.communicator
        while True:
            if communicator.disconnected:
                return None
            chunk = await communicator.read_chunk(timeout)
            if chunk is None or chunk:
                return chunk

    def iter_bytes(self, timeout: TimeoutArg = DEFAULT) -> _ChunkIterator:
        """``async for chunk in response.iter_bytes():`` body chunks as the app sends them."""
        return _ChunkIterator(self, self._timeout if timeout is DEFAULT else timeout)

    def iter_text(self, timeout: TimeoutArg = DEFAULT) -> _TextIterator:
        """The body as text, decoded incrementally with the response's charset."""
        return _TextIterator(self, self._timeout if timeout is DEFAULT else timeout)

    def iter_lines(self, timeout: TimeoutArg = DEFAULT) -> _LineIterator:
        """The body as text lines, without their line endings."""
        return _LineIterator(self, self._timeout if timeout is DEFAULT else timeout)

    def iter_events(self, timeout: TimeoutArg = DEFAULT) -> _EventIterator:
        """``async for event in response.iter_events():`` Server-Sent Events as they arrive.

        Parses ``text/event-stream`` as browsers do: ``data`` lines joined with newlines,
        ``event``, ``id`` (kept across events), ``retry``; comments (``: keep-alive``) and
        events without data are skipped.
        """
        return _EventIterator(self, self._timeout if timeout is DEFAULT else timeout)

    async def read(self, timeout: TimeoutArg = DEFAULT) -> bytes:
        """Read the rest of the body, store it as ``response.body`` and return it."""
        __tracebackhide__ = True
        chunks = [chunk async for chunk in self.iter_bytes(timeout)]
        body = self.response.body + b"".join(chunks)
        self.response["body"] = body
        return body

    async def aclose(self) -> None:
        """Stop reading: disconnect if the response is not complete, then wait for the app."""
        __tracebackhide__ = True
        communicator = self.communicator
        if not communicator.response_complete and not communicator.disconnected:
            await communicator.disconnect()

    def __repr__(self) -> str:
        state = "complete" if self.is_complete else "streaming"
        return f"<{type(self).__name__} [{self.status}] {state}>"


class StreamContext:
    """What ``communicator.stream()`` returns: ``await`` it or use it with ``async with``.

    With ``async with`` a communicator that was not started yet is entered and closed by the
    block (so it also works under trio without an outer ``async with``); leaving the block
    before the end disconnects the client.
    """

    def __init__(
        self,
        communicator: HttpCommunicator,
        timeout: TimeoutArg = DEFAULT,
        on_start: Callable[[Response], None] | None = None,
    ) -> None:
        self._communicator = communicator
        self._timeout = timeout
        self._on_start = on_start
        self._owns = False
        self._response: StreamingResponse | None = None

    async def _open(self) -> StreamingResponse:
        __tracebackhide__ = True
        communicator = self._communicator
        start = await communicator.read_start(self._timeout)
        if self._on_start is not None:
            self._on_start(start)
        self._response = StreamingResponse(communicator, start, self._timeout)
        return self._response

    def __await__(self) -> Generator[Any, None, StreamingResponse]:
        return self._open().__await__()

    async def __aenter__(self) -> StreamingResponse:
        __tracebackhide__ = True
        communicator = self._communicator
        if communicator._engine.state == NOT_STARTED and current_backend() == "trio":
            await communicator.__aenter__()
            self._owns = True
        elif communicator._engine.state == NOT_STARTED:
            self._owns = True
        try:
            return await self._open()
        except BaseException as exc:
            if self._owns:
                await communicator.__aexit__(type(exc), exc, exc.__traceback__)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        __tracebackhide__ = True
        communicator = self._communicator
        try:
            if not communicator.response_complete and not communicator.disconnected:
                if exc is None:
                    await communicator.disconnect()
                else:
                    try:
                        await communicator.disconnect(_body_error=exc)
                    except Exception as error:  # keep the test's own exception in front
                        if error is exc:
                            raise
                        exc.add_note(
                            f"asgitest: while disconnecting, the app failed with "
                            f"{type(error).__name__}: {error}"
                        )
        finally:
            if self._owns:
                await communicator.__aexit__(exc_type, exc, tb)
