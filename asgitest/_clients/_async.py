"""AsyncTestClient: an ``httpx.AsyncClient`` that runs the app in the test's own event loop."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._config import DEFAULT
from .._errors import LifespanShutdownFailed, LifespanStartupFailed, UsageError
from .._lifespan import LifespanCommunicator
from ._httpx import httpx
from ._transport import ASGITransport, Upgrade
from ._websocket import AsyncWebSocketTestSession

if TYPE_CHECKING:
    from .._config import DefaultArg, RulesArg, StrictArg, TimeoutArg

__all__ = ["AsyncTestClient", "lifespan_shutdown", "lifespan_startup", "websocket_request"]

_DEBUG: dict[str, Any] = {"http.response.debug": {}}


def websocket_request(
    client: Any, url: str, subprotocols: Any, kwargs: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """The upgrade request of ``websocket_connect`` (Starlette's headers), and its kwargs."""
    if subprotocols is not None and isinstance(subprotocols, (str, bytes)):
        raise UsageError(
            f"subprotocols must be a list of names, got {subprotocols!r}: write "
            f"subprotocols=[{subprotocols!r}]."
        )
    headers = dict(kwargs.pop("headers", None) or {})
    headers.setdefault("connection", "upgrade")
    headers.setdefault("sec-websocket-key", "testserver==")
    headers.setdefault("sec-websocket-version", "13")
    if subprotocols is not None:
        headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
    target = httpx.URL(str(client.base_url)).join(url)
    if target.scheme in ("http", "https"):
        target = target.copy_with(scheme="ws" if target.scheme == "http" else "wss")
    return target, {**kwargs, "headers": headers}


async def lifespan_shutdown(lifespan: LifespanCommunicator, *args: Any) -> None:
    """Leave the lifespan; a shutdown that failed with the app's own exception raises it."""
    __tracebackhide__ = True
    try:
        await lifespan.__aexit__(*args)
    except LifespanShutdownFailed as error:
        cause = error.__cause__
        if isinstance(cause, Exception) and not isinstance(cause, LifespanShutdownFailed):
            raise cause from None
        raise


async def lifespan_startup(lifespan: LifespanCommunicator) -> None:
    """Enter the lifespan; a startup that failed with the app's own exception raises that
    exception itself (Starlette's router sends "lifespan.startup.failed", then re-raises)."""
    __tracebackhide__ = True
    try:
        await lifespan.__aenter__()
    except LifespanStartupFailed as error:
        cause = error.__cause__
        if isinstance(cause, Exception) and not isinstance(cause, LifespanStartupFailed):
            raise cause from None
        raise


class AsyncTestClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` for an ASGI app, run in the test's own event loop.

    The async client Starlette never shipped: same arguments as
    :class:`~asgitest.TestClient` (without ``backend``), on asyncio and trio, so async
    fixtures the app shares with the test are safe. ``async with AsyncTestClient(app)`` runs
    the lifespan; its state reaches every request's scope. Responses stream (see
    :class:`~asgitest.ASGITransport`).

    Args:
        app: the ASGI application.
        base_url, cookies, headers, follow_redirects: as for ``httpx.AsyncClient``.
        raise_server_exceptions: raise the app's exception (as itself); ``False`` turns one
            raised before the response start into a 500 response.
        root_path: ``scope["root_path"]``.
        client: ``scope["client"]``.
        timeout: asgitest's timeout of every wait for the app (keyword-only, seconds).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        ignore_rules: rule ids to waive.
        lifespan: ``"auto"`` (default; an app without lifespan support is fine), ``"on"``
            or ``"off"``.

    Example:
        ```python
        async with AsyncTestClient(app) as client:
            response = await client.get("/")
            async with client.websocket_connect("/ws") as websocket:
                await websocket.send_text("hi")
        ```
    """

    __test__ = False

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
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
        transport = ASGITransport(
            app,
            raise_app_exceptions=raise_server_exceptions,
            root_path=root_path,
            client=client,
            timeout=timeout,
            strict=strict,
            ignore_rules=ignore_rules,
            extensions=_DEBUG,
        )
        self.app = transport.app
        self.app_state: dict[str, Any] = {}
        transport.state = self.app_state
        self._asgi = transport
        self._lifespan_mode = lifespan
        self._lifespan: LifespanCommunicator | None = None
        headers = dict(headers or {})
        headers.setdefault("user-agent", "testclient")
        super().__init__(
            base_url=base_url,
            headers=headers,
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"

    async def __aenter__(self) -> AsyncTestClient:
        await super().__aenter__()
        transport = self._asgi
        lifespan = LifespanCommunicator(
            transport.app,
            timeout=transport.timeout,
            strict=transport.strict,
            ignore_rules=transport.ignore_rules,
            lifespan=self._lifespan_mode,  # type: ignore[arg-type]
            state=self.app_state,
        )
        try:
            await lifespan_startup(lifespan)
        except BaseException:
            await super().__aexit__(None, None, None)
            raise
        self._lifespan = lifespan
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        try:
            if lifespan is not None:
                await lifespan_shutdown(lifespan, exc_type, exc, tb)
        finally:
            await super().__aexit__(exc_type, exc, tb)

    async def send(self, request: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if self.is_closed:
            raise UsageError(
                f"{self!r} is closed (its `async with` block has ended, or aclose() was "
                "called): make a new AsyncTestClient."
            )
        return await super().send(request, **kwargs)

    def websocket_connect(
        self, url: str, subprotocols: Any = None, **kwargs: Any
    ) -> AsyncWebSocketTestSession:
        """Open a WebSocket: ``async with client.websocket_connect("/ws") as websocket:``.

        ``kwargs`` are those of :meth:`request` (``headers``, ``params``, ``cookies``...);
        the client's cookies and headers are sent too. Entering the block raises
        :class:`~asgitest.WebSocketDisconnect` if the app closes instead of accepting, and
        :class:`~asgitest.WebSocketDenialResponse` if it answers with an HTTP response.
        """
        return _AsyncConnect(self, url, subprotocols, kwargs)  # type: ignore[return-value]


class _AsyncConnect:
    """``client.websocket_connect(...)``: the upgrade request is sent on ``async with``."""

    def __init__(self, client: AsyncTestClient, url: str, subprotocols: Any, kwargs: Any):
        self._client = client
        self._args = (url, subprotocols, kwargs)
        self._session: AsyncWebSocketTestSession | None = None

    async def __aenter__(self) -> AsyncWebSocketTestSession:
        __tracebackhide__ = True
        client = self._client
        url, subprotocols, kwargs = self._args
        target, kwargs = websocket_request(client, url, subprotocols, dict(kwargs))
        try:
            await client.request("GET", target, **kwargs)
        except Upgrade as upgrade:
            parts = upgrade.parts
        else:  # pragma: no cover (the transport always upgrades a ws:// request)
            raise UsageError("asgitest expected a WebSocket upgrade")
        transport = client._asgi
        session = AsyncWebSocketTestSession(
            transport.app,
            parts,
            timeout=transport.timeout,
            strict=transport.strict,
            ignore_rules=transport.ignore_rules,
        )
        await session.__aenter__()
        self._session = session
        return session

    async def __aexit__(self, *args: Any) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.__aexit__(*args)
