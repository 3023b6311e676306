"""ASGITransport: an httpx transport that runs the app in-process and streams its response.

The response is returned at ``http.response.start``; its body is read from the app as it sends
it, each wait bounded by asgitest's timeout. Closing the response before the end sends
``http.disconnect``; closing it after the end waits for the app to return (its background
tasks), so the app's exception is raised where the test can see it.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

import anyio

from .._app import resolve_application
from .._config import DEFAULT
from .._core import current_backend
from .._errors import ProtocolError, Timeout, UsageError
from .._http import HttpCommunicator
from ._httpx import httpx

if TYPE_CHECKING:
    from .._config import DefaultArg, RulesArg, StrictArg, TimeoutArg

__all__ = ["ASGITransport", "Upgrade", "system_nursery", "websocket_scope_parts"]

_DEFAULT_PORTS: Final = {"http": 80, "ws": 80, "https": 443, "wss": 443}


class Upgrade(Exception):
    """Raised by the transport for a ``ws://`` request: the client that sent it turns it into a
    WebSocket session (a plain ``httpx.AsyncClient`` cannot)."""

    def __init__(self, parts: dict[str, Any]) -> None:
        super().__init__(
            "asgitest's ASGITransport got a WebSocket (ws://) request. Open WebSockets with "
            "asgitest.AsyncTestClient(app).websocket_connect(url) or "
            "asgitest.TestClient(app).websocket_connect(url)."
        )
        self.parts = parts


class _SystemNursery:
    """Under trio, where the app of a streamed response runs: a system task, which outlives the
    request call (the response is returned while the app still sends its body)."""

    @staticmethod
    def start_soon(fn: Any, *args: Any) -> None:
        import trio

        # (Called inside the app's context: the task runs in a copy of it, as start_soon's.)
        trio.lowlevel.spawn_system_task(fn, *args, context=contextvars.copy_context())


system_nursery: Final = _SystemNursery()


def _address(url: Any) -> tuple[str, int]:
    host = url.host
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
    return host, port


def _headers(request: Any) -> list[tuple[bytes, bytes]]:
    return [(name.lower(), value) for name, value in request.headers.raw]


def websocket_scope_parts(
    request: Any, root_path: str, client: Any, state: dict[str, Any] | None
) -> dict[str, Any]:
    """What a WebSocket communicator needs to open the connection ``request`` asks for."""
    url = request.url
    protocols = request.headers.get("sec-websocket-protocol")
    subprotocols = [value.strip() for value in protocols.split(",")] if protocols else []
    scope: dict[str, Any] = {
        "path": unquote(url.path),
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
    }
    if state is not None:
        scope["state"] = dict(state)
    return {
        "path": url.path,
        "headers": _headers(request),
        "subprotocols": subprotocols,
        "scheme": url.scheme,
        "root_path": root_path,
        "client": client,
        "server": _address(url),
        "scope": scope,
    }


class ASGITransport(httpx.AsyncBaseTransport):
    """A drop-in for ``httpx.ASGITransport`` that streams, times out and checks the spec.

    ``httpx.AsyncClient(transport=ASGITransport(app))`` sends each request to the app in the
    test's own event loop (asyncio or trio). The response is returned as soon as the app sent
    ``http.response.start``; ``await client.get(...)`` still reads the whole body, and
    ``client.stream(...)`` yields chunks as the app sends them. Closing a response early
    sends ``http.disconnect``; so does cancelling the request from outside (for example
    ``anyio.fail_after()`` around ``.get()`` of an endless event stream).

    Args:
        app: the ASGI application.
        raise_app_exceptions: raise the app's exception (as itself) in the test; ``False``
            turns an exception before the response start into an empty 500 response.
        root_path: ``scope["root_path"]``.
        client: ``scope["client"]``.
        timeout: asgitest's timeout of every wait for the app, in seconds (keyword-only;
            default: the active settings, 1 s).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        ignore_rules: rule ids to waive.
        extensions: the extensions advertised in ``scope["extensions"]``.

    Example:
        ```python
        transport = ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/")
        ```
    """

    def __init__(
        self,
        app: Any,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 123),
        *,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        self.app = resolve_application(app)
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client
        self.timeout = timeout
        self.strict = strict
        self.ignore_rules = ignore_rules
        self.extensions = dict(extensions) if extensions is not None else None
        self.state: dict[str, Any] | None = None
        """The lifespan state, copied into each request's scope when set (the test clients
        set it)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self.app, '__qualname__', self.app)!r}>"

    async def handle_async_request(self, request: Any) -> Any:
        __tracebackhide__ = True
        body = await request.aread()
        return await self.handle(request, body)

    def communicator(self, request: Any, body: bytes) -> HttpCommunicator:
        """The communicator for one request (its scope as Starlette's TestClient builds it)."""
        url = request.url
        scheme = url.scheme
        if scheme in ("ws", "wss"):
            raise Upgrade(websocket_scope_parts(request, self.root_path, self.client, self.state))
        if scheme not in ("http", "https"):
            raise UsageError(f"asgitest's ASGITransport cannot send a request to {url!s}.")
        extra: dict[str, Any] = {
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "query_string": url.query,
        }
        if self.state is not None:
            extra["state"] = dict(self.state)
        return HttpCommunicator(
            self.app,
            request.method,
            url.path,
            body,
            _headers(request),
            timeout=self.timeout,
            strict=self.strict,
            ignore_rules=self.ignore_rules,
            extensions=self.extensions,
            scheme=scheme,
            root_path=self.root_path,
            client=self.client,
            server=_address(url),
            scope=extra,
        )

    async def handle(self, request: Any, body: bytes) -> Any:
        """Send ``request`` (whose body is ``body``) and return the response at its start."""
        __tracebackhide__ = True
        communicator = self.communicator(request, body)
        engine = communicator._engine
        if current_backend() == "trio":
            engine.bind_nursery(system_nursery)
        # The app runs in a copy of the caller's context, as Starlette's TestClient runs it
        # (a context variable the test set is seen by the app, and not changed by it).
        engine.app_context = contextvars.copy_context()
        try:
            start = await communicator.read_start()
        except BaseException as error:
            if engine.running:
                await _shielded_close(communicator)
            if (
                not self.raise_app_exceptions
                and error is engine.exception
                and not isinstance(error, ProtocolError)
            ):
                engine.exception_reported = True
                return _salvaged(engine.outbox, request)
            raise
        stream = ResponseStream(communicator, request.method == "HEAD", self.raise_app_exceptions)
        extensions: dict[str, Any] = {}
        debug = getattr(start, "debug", None)
        if debug:
            extensions["http.response.debug"] = debug
        response = httpx.Response(
            start.status,
            headers=[(bytes(n), bytes(v)) for n, v in start.headers],
            stream=stream,
            request=request,
            extensions=extensions,
        )
        if debug and "template" in debug:
            # Where Starlette's TestClient puts them (its template tests read them).
            response.template = debug.get("template")  # type: ignore[attr-defined]
            response.context = debug.get("context")  # type: ignore[attr-defined]
        return response


def _salvaged(outbox: Any, request: Any) -> Any:
    """With ``raise_app_exceptions=False``: the response of an app that crashed, as far as it
    got (Starlette's ServerErrorMiddleware sends its 500 page, then re-raises); an empty 500
    when it had not started one."""
    status = 500
    headers: list[Any] = []
    chunks: list[bytes] = []
    started = False
    for message in outbox:
        if not isinstance(message, dict):
            continue
        kind = message.get("type")
        if kind == "http.response.start" and not started:
            started = True
            status = message.get("status", 500)
            headers = list(message.get("headers") or [])
        elif kind == "http.response.body" and started:
            body = message.get("body", b"")
            if isinstance(body, (bytes, bytearray, memoryview)):
                chunks.append(bytes(body))
    outbox.clear()
    if request.method == "HEAD":
        chunks = []
    return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


async def _shielded_close(communicator: HttpCommunicator) -> None:
    """Tell the app its client went away and wait (bounded) for it, even when the test's task
    is being cancelled: the app must not outlive the request."""
    with anyio.CancelScope(shield=True):
        try:
            await communicator.disconnect()
        except BaseException:
            pass


class ResponseStream(httpx.AsyncByteStream):
    """The body of a response, read from the app as it sends it."""

    def __init__(self, communicator: HttpCommunicator, head: bool, raise_app_exceptions: bool):
        self.communicator = communicator
        self._head = head
        self._raise = raise_app_exceptions
        self._done = False
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        __tracebackhide__ = True
        chunk = await self.next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def next_chunk(self) -> bytes | None:
        """The next piece of the body, or ``None`` at its end."""
        __tracebackhide__ = True
        communicator = self.communicator
        while not self._done:
            if self._closed:
                raise UsageError("the response was closed; its body can no longer be read")
            try:
                chunk = await communicator.read_chunk()
            except BaseException as error:
                engine = communicator._engine
                if (
                    error is engine.exception
                    and not self._raise
                    and not isinstance(error, ProtocolError)
                ):
                    engine.exception_reported = True
                    self._done = True
                    rest = b"".join(
                        bytes(message.get("body", b""))
                        for message in engine.outbox
                        if isinstance(message, dict) and message.get("type") == "http.response.body"
                    )
                    engine.outbox.clear()
                    return rest if rest and not self._head else None
                raise
            if chunk is None:
                self._done = True
                return None
            if chunk and not self._head:
                return chunk
        return None

    async def prefetch(self) -> list[bytes]:
        """The body chunks the app has already sent, read without waiting (the sync client
        takes them in the same call into the loop thread as the response start). A stream
        whose response is complete and whose app has returned is closed here too."""
        __tracebackhide__ = True
        communicator = self.communicator
        engine = communicator._engine
        chunks: list[bytes] = []
        while not self._done and engine.outbox and not engine.failed:
            chunk = await communicator.read_chunk()
            if chunk is None or communicator.response_complete:
                self._done = True
            if chunk and not self._head:
                chunks.append(chunk)
        if communicator.response_complete:
            self._done = True
            if not engine.running:
                await self.aclose()
        return chunks

    @property
    def done(self) -> bool:
        """Whether the whole body has been read."""
        return self._done

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        __tracebackhide__ = True
        if self._closed:
            return
        self._closed = True
        communicator = self.communicator
        engine = communicator._engine
        if not communicator.response_complete:
            # Left before the end (or cancelled from outside): the client goes away.
            await _shielded_close(communicator)
            if engine.failed and not engine.exception_reported and self._raise:
                engine.raise_failure()
            return
        if engine.running:
            # The response is complete; the app may still run (background tasks). Wait for
            # it, as Starlette's TestClient does, so that its outcome reaches the test.
            try:
                with anyio.CancelScope(shield=True):
                    await communicator.wait()
            except Timeout as error:
                error.add_note(
                    "asgitest: the response was complete, but the app did not return within the "
                    "timeout (background tasks?). Raise it with timeout=..."
                )
                raise
            except BaseException:
                if self._raise or engine.violation is not None:
                    raise
                return
        if engine.failed and not engine.exception_reported:
            if self._raise or engine.violation is not None:
                engine.raise_failure()
