"""TestClient: a drop-in for Starlette's ``TestClient``, with one event-loop thread per client.

The client's app runs in a dedicated daemon thread with its own event loop (asyncio or trio),
started on first use and kept for the client's whole life: every request, WebSocket session
and the lifespan share it. Each call crosses into that thread through an anyio blocking portal;
the async machinery underneath is :class:`~asgitest.ASGITransport`'s.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
from anyio.from_thread import BlockingPortal

from .._config import DEFAULT
from .._errors import InvalidArgument, UsageError
from .._lifespan import LifespanCommunicator
from ._async import lifespan_shutdown, lifespan_startup, websocket_request
from ._httpx import httpx
from ._transport import ASGITransport, Upgrade
from ._websocket import AsyncWebSocketTestSession, WebSocketTestSession

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .._config import DefaultArg, RulesArg, StrictArg, TimeoutArg

__all__ = ["TestClient"]

_TIMEOUT_WARNING = (
    "You should not use the 'timeout' argument with the TestClient. "
    "See https://github.com/Kludex/starlette/issues/1108 for more information. "
    "(asgitest: every wait has its own timeout: TestClient(app, timeout=...).)"
)


def _deprecation_class() -> type[Warning]:
    try:
        from starlette.exceptions import StarletteDeprecationWarning
    except ImportError:
        return DeprecationWarning
    return StarletteDeprecationWarning


class _LoopThread:
    """One event loop in one daemon thread, reached through a blocking portal."""

    def __init__(self, backend: str, backend_options: dict[str, Any]) -> None:
        self.backend = backend
        self.backend_options = backend_options
        self._portal: BlockingPortal | None = None
        self._wake: Any = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def portal(self) -> BlockingPortal:
        portal = self._portal
        if portal is not None:
            return portal
        with self._lock:
            if self._portal is None:
                self._start()
            portal = self._portal
        if portal is None:  # (the loop ended at once: stop() raced with the start)
            raise UsageError("the TestClient's event loop has been stopped; make a new client")
        return portal

    def _start(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            async with BlockingPortal() as portal:
                self._stop = stop = anyio.Event()
                self._wake = _waker(self.backend, stop)
                self._portal = portal
                ready.set()
                await self._stop.wait()
                await portal.stop(cancel_remaining=True)

        def run() -> None:
            try:
                anyio.run(serve, backend=self.backend, backend_options=self.backend_options)
            except BaseException as error:
                failure.append(error)
            finally:
                ready.set()

        thread = threading.Thread(target=run, name="asgitest TestClient loop", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        self._thread = thread

    def stop(self, join: bool = False) -> None:
        """End the loop. Non-blocking and thread-safe: it also runs as the client's finalizer,
        which the garbage collector may call anywhere (even in the loop's own thread), so it
        only schedules the stop; ``join`` (close()) then waits for the thread."""
        wake, thread = self._wake, self._thread
        self._portal = None
        self._wake = None
        if wake is None:
            return
        try:
            wake()
        except RuntimeError:
            return  # the loop has already ended
        if join and thread is not None and thread is not threading.current_thread():
            thread.join(5)


def _waker(backend: str, stop: anyio.Event) -> Any:
    """A thread-safe callable that sets ``stop`` in the running loop."""
    if backend == "trio":
        import trio

        token = trio.lowlevel.current_trio_token()
        return lambda: token.run_sync_soon(stop.set)
    import asyncio

    loop = asyncio.get_running_loop()
    return lambda: loop.call_soon_threadsafe(stop.set)


class _SyncStream(httpx.SyncByteStream):
    def __init__(
        self, portal: BlockingPortal, stream: Any, prefetched: list[bytes], owner: Any
    ) -> None:
        self._owner = owner  # the client: its loop thread ends with it, not before the body
        self._portal = portal
        self._stream = stream
        self._prefetched = prefetched

    def __iter__(self) -> Iterator[bytes]:
        __tracebackhide__ = True
        portal, stream = self._portal, self._stream
        prefetched, self._prefetched = self._prefetched, []
        yield from prefetched
        while not stream.done:
            chunk = portal.call(stream.next_chunk)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        __tracebackhide__ = True
        if not self._stream.closed:
            self._portal.call(self._stream.aclose)


class _SyncTransport(httpx.BaseTransport):
    def __init__(self, asgi: ASGITransport, loop: _LoopThread) -> None:
        self.asgi = asgi
        self.loop = loop
        self.owner: Any = None  # a weak reference to the client (set by the client)

    def handle_request(self, request: Any) -> Any:
        __tracebackhide__ = True
        body = request.read()
        portal = self.loop.portal()
        # One call into the loop thread for the start and whatever body is already there.
        response, prefetched = portal.call(self._handle, request, body)
        stream = response.stream
        if not hasattr(stream, "next_chunk"):  # a crashed app's (raise_server_exceptions=False)
            return httpx.Response(
                response.status_code,
                headers=response.headers.raw,
                content=response.content,
                request=request,
            )
        synced = httpx.Response(
            response.status_code,
            headers=response.headers.raw,
            stream=_SyncStream(portal, stream, prefetched, self.owner and self.owner()),
            request=request,
            extensions=response.extensions,
        )
        if hasattr(response, "template"):
            synced.template = response.template  # type: ignore[attr-defined]
            synced.context = response.context  # type: ignore[attr-defined]
        return synced

    async def _handle(self, request: Any, body: bytes) -> tuple[Any, list[bytes]]:
        __tracebackhide__ = True
        response = await self.asgi.handle(request, body)
        stream = response.stream
        if hasattr(stream, "prefetch"):
            return response, await stream.prefetch()
        return response, []


class _Lifespan:
    def __init__(self, communicator: LifespanCommunicator) -> None:
        self.communicator = communicator

    async def __aenter__(self) -> LifespanCommunicator:
        __tracebackhide__ = True
        await lifespan_startup(self.communicator)
        return self.communicator

    async def __aexit__(self, *args: Any) -> None:
        await lifespan_shutdown(self.communicator, *args)


class TestClient(httpx.Client):
    """A drop-in for Starlette's (and FastAPI's) ``TestClient``: change the import, keep the tests.

    An ``httpx.Client`` (responses are ``httpx.Response``; cookies, redirects, auth,
    ``params=``, ``json=``, ``files=`` work as usual) with Starlette's constructor and
    defaults. On top: every wait for the app has asgitest's timeout and raises
    :class:`~asgitest.Timeout` with the transcript; every message is checked against the
    ASGI spec; the app's exception is raised as itself; ``client.stream(...)`` really
    streams (leaving early sends ``http.disconnect``).

    The app runs in one event-loop thread per client (asyncio or trio, ``backend=``), for the
    client's whole life. ``with TestClient(app) as client:`` runs the lifespan; its state
    reaches each request's scope. For async tests whose fixtures share loop-bound resources
    with the app, use :class:`~asgitest.AsyncTestClient` instead.

    Args:
        app: the ASGI application.
        base_url, cookies, headers, follow_redirects: as for ``httpx.Client``.
        raise_server_exceptions: raise the app's exception in the test; ``False`` turns one
            raised before the response start into a 500 response.
        root_path: ``scope["root_path"]``.
        backend: ``"asyncio"`` or ``"trio"``; ``backend_options`` go to ``anyio.run``.
        client: ``scope["client"]``.
        timeout: asgitest's timeout of every wait for the app (keyword-only, seconds).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        ignore_rules: rule ids to waive.
        lifespan: ``"auto"`` (default), ``"on"`` or ``"off"``.

    Example:
        ```python
        with TestClient(app) as client:
            assert client.get("/").status_code == 200
            with client.websocket_connect("/ws") as websocket:
                websocket.send_text("hi")
        ```
    """

    __test__ = False

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: str = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: Any = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
        *,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        lifespan: str = "auto",
    ) -> None:
        if backend not in ("asyncio", "trio"):
            raise InvalidArgument(
                f'TestClient\'s backend must be "asyncio" or "trio", got {backend!r}.',
                argument="backend",
                value=backend,
            )
        asgi = ASGITransport(
            app,
            raise_app_exceptions=raise_server_exceptions,
            root_path=root_path,
            client=client,
            timeout=timeout,
            strict=strict,
            ignore_rules=ignore_rules,
            extensions={"http.response.debug": {}},
        )
        self.app = asgi.app
        self.app_state: dict[str, Any] = {}
        asgi.state = self.app_state
        self.async_backend = {"backend": backend, "backend_options": backend_options or {}}
        self._asgi = asgi
        self._loop = _LoopThread(backend, backend_options or {})
        # The loop thread ends with the client (close(), or when it is garbage collected).
        self._finalizer = weakref.finalize(self, self._loop.stop)
        self._lifespan_mode = lifespan
        self._lifespan_cm: Any = None
        headers = dict(headers or {})
        headers.setdefault("user-agent", "testclient")
        transport = _SyncTransport(asgi, self._loop)
        transport.owner = weakref.ref(self)
        super().__init__(
            base_url=base_url,
            headers=headers,
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} backend={self._loop.backend!r}>"

    def __enter__(self) -> TestClient:
        __tracebackhide__ = True
        if self.is_closed:
            raise UsageError(f"{self!r} is closed: make a new TestClient.")
        if self._lifespan_cm is not None:
            raise UsageError(f"{self!r} is already running its lifespan (nested `with`).")
        asgi = self._asgi
        lifespan = LifespanCommunicator(
            asgi.app,
            timeout=asgi.timeout,
            strict=asgi.strict,
            ignore_rules=asgi.ignore_rules,
            lifespan=self._lifespan_mode,  # type: ignore[arg-type]
            state=self.app_state,
        )
        cm = self._loop.portal().wrap_async_context_manager(_Lifespan(lifespan))
        cm.__enter__()
        self._lifespan_cm = cm
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        __tracebackhide__ = True
        # As Starlette's: the lifespan ends, the client stays usable (close() ends it).
        cm, self._lifespan_cm = self._lifespan_cm, None
        if cm is not None:
            cm.__exit__(exc_type, exc, tb)

    def close(self) -> None:
        """Close the client and stop its event-loop thread."""
        try:
            super().close()
        finally:
            self._finalizer.detach()
            self._loop.stop(join=True)

    def send(self, request: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if self.is_closed:
            raise UsageError(f"{self!r} is closed (close() was called): make a new TestClient.")
        return super().send(request, **kwargs)

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        timeout = kwargs.get("timeout", httpx.USE_CLIENT_DEFAULT)
        if timeout is not httpx.USE_CLIENT_DEFAULT:
            warnings.warn(_TIMEOUT_WARNING, _deprecation_class(), stacklevel=2)
        return super().request(method, url, **kwargs)

    def websocket_connect(
        self, url: str, subprotocols: Any = None, **kwargs: Any
    ) -> WebSocketTestSession:
        """Open a WebSocket: ``with client.websocket_connect("/ws") as websocket:``.

        ``kwargs`` are those of :meth:`request`. Entering the block raises
        :class:`~asgitest.WebSocketDisconnect` if the app closes instead of accepting, and
        :class:`~asgitest.WebSocketDenialResponse` if it answers with an HTTP response.
        """
        __tracebackhide__ = True
        target, kwargs = websocket_request(self, url, subprotocols, kwargs)
        try:
            super().request("GET", target, **kwargs)
        except Upgrade as upgrade:
            parts = upgrade.parts
        else:  # pragma: no cover (the transport always upgrades a ws:// request)
            raise UsageError("asgitest expected a WebSocket upgrade")
        asgi = self._asgi
        session = AsyncWebSocketTestSession(
            asgi.app,
            parts,
            timeout=asgi.timeout,
            strict=asgi.strict,
            ignore_rules=asgi.ignore_rules,
        )
        return WebSocketTestSession(self._loop.portal(), session, owner=self)
