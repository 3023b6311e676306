"""Client: many requests against one application, with default headers, cookies and redirects."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self
from urllib.parse import urljoin, urlsplit

from ._body import QueryArg
from ._config import DEFAULT
from ._cookies import CookieJar
from ._errors import UsageError
from ._http import HttpCommunicator
from ._websocket import WebsocketCommunicator

if TYPE_CHECKING:
    from ._config import DefaultArg, StrictArg, TimeoutArg
    from ._response import Response
    from ._streaming import StreamContext

__all__ = ["Client"]

_REDIRECTS: Final = (301, 302, 303, 307, 308)
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_BODY_HEADERS: Final = (b"content-type", b"content-length", b"transfer-encoding")

HeadersArg = Mapping[str, str] | Mapping[bytes, bytes] | list[tuple[Any, Any]] | None


def _header_pairs(headers: Any) -> list[tuple[bytes, bytes]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for name, value in items:
        name_bytes = name.encode("latin-1") if isinstance(name, str) else bytes(name)
        value_bytes = value.encode("latin-1") if isinstance(value, str) else bytes(value)
        out.append((name_bytes.lower(), value_bytes))
    return out


def _merge(*layers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Later layers replace every earlier header of the same name."""
    merged: list[tuple[bytes, bytes]] = []
    for layer in layers:
        names = {name for name, _ in layer}
        merged = [pair for pair in merged if pair[0] not in names] + layer
    return merged


def _is_test_app(app: Any) -> bool:
    """A TestApp (or anything shaped like one): it makes the communicators itself."""
    return callable(getattr(app, "http", None)) and callable(getattr(app, "websocket", None))


class Client:
    """Sends many requests to one application, like a browser would: default headers, a
    cookie jar that stores ``Set-Cookie`` and sends ``Cookie``, optional redirect following.

    Every request runs the app as one :class:`~asgitest.HttpCommunicator` (same timeouts,
    transcript and spec checking), so a failure shows the messages of that request. Give it
    a raw ASGI app, or a :class:`~asgitest.TestApp` to have its lifespan state and defaults
    flow into every request.

    Args:
        app: the ASGI application, or a ``TestApp``.
        base_url: scheme, host and port of every relative URL (default
            ``"http://testserver"``, or a TestApp's scheme and server); the host goes into
            the ``host`` header and ``scope["server"]``.
        headers: headers sent with every request (a request's own headers replace them).
        cookies: ``True`` (a fresh jar), ``False`` (no cookie handling), a ``{name: value}``
            dict of initial cookies, or a :class:`~asgitest.CookieJar` to share.
        follow_redirects: follow 301/302/303/307/308 (default ``False``).
        max_redirects: give up after this many redirects.
        timeout: the default of every wait (``None`` waits forever).
        strict, spec_version, extensions, client, root_path: passed to each communicator;
            when not given, the communicator's (or the TestApp's) defaults apply.
        scope: extra scope keys for every request.

    Example:
        ```python
        client = Client(app, headers={"accept": "application/json"})
        response = await client.post("/login", data={"user": "ada", "password": "pw"})
        response = await client.get("/me")          # sends the session cookie
        assert response.json()["user"] == "ada"
        ```
    """

    def __init__(
        self,
        app: Any,
        *,
        base_url: str | None = None,
        headers: HeadersArg = None,
        cookies: bool | Mapping[str, str] | CookieJar = True,
        follow_redirects: bool = False,
        max_redirects: int = 20,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        spec_version: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        client: tuple[str, int] | None | DefaultArg = DEFAULT,
        root_path: str | None = None,
        scope: dict[str, Any] | None = None,
    ) -> None:
        if base_url is None:
            base_url = _base_url_of(app)
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"base_url must be an absolute http:// or https:// URL, got {base_url!r}; "
                'for example base_url="http://testserver".'
            )
        self.app = app
        self.base_url = base_url
        self.headers = _header_pairs(headers)
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        # Options left unset are not passed on, so the communicator's own defaults (or a
        # TestApp's) apply.
        self._options: dict[str, Any] = {}
        for name, value, unset in (
            ("timeout", timeout, DEFAULT),
            ("strict", strict, DEFAULT),
            ("client", client, DEFAULT),
            ("root_path", root_path, None),
            ("spec_version", spec_version, None),
        ):
            if value is not unset:
                self._options[name] = value
        self.extensions = extensions
        self.scope = scope
        self.cookies: CookieJar | None
        if cookies is True:
            self.cookies = CookieJar()
        elif cookies is False:
            self.cookies = None
        elif isinstance(cookies, CookieJar):
            self.cookies = cookies
        else:
            self.cookies = CookieJar()
            host = parts.hostname
            for name, value in cookies.items():
                self.cookies.set(name, value, domain=host)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    # ------------------------------------------------------------------ building

    def _target(self, url: str) -> tuple[str, str, str, int, str]:
        """``(absolute URL, scheme, host, port, path with query)`` for ``url``."""
        absolute = urljoin(self.base_url, url)
        parts = urlsplit(absolute)
        scheme = parts.scheme or "http"
        host = (parts.hostname or "testserver").lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme, 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return absolute, scheme, host, port, path

    def _request_headers(
        self, scheme: str, host: str, port: int, path: str, headers: HeadersArg
    ) -> list[tuple[bytes, bytes]]:
        host_value = host if port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
        own = _header_pairs(headers)
        merged = _merge([(b"host", host_value.encode("latin-1"))], self.headers, own)
        jar = self.cookies
        if jar is not None and not any(name == b"cookie" for name, _ in own):
            value = jar.header_for(host, path.partition("?")[0], secure=scheme in ("https", "wss"))
            if value is not None:
                merged = [pair for pair in merged if pair[0] != b"cookie"]
                merged.append((b"cookie", value.encode("latin-1")))
        return merged

    def build_request(
        self,
        method: str,
        url: str,
        *,
        query: QueryArg = None,
        headers: HeadersArg = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        content: Any = None,
        timeout: TimeoutArg = DEFAULT,
        extensions: Mapping[str, Any] | None = None,
        scope: dict[str, Any] | None = None,
    ) -> HttpCommunicator:
        """The :class:`~asgitest.HttpCommunicator` for one request (not started), with the
        client's defaults, the ``host`` header and the jar's ``Cookie`` header."""
        _, scheme, host, port, path = self._target(url)
        kwargs: dict[str, Any] = {**self._options, "scheme": scheme, "server": (host, port)}
        if timeout is not DEFAULT:
            kwargs["timeout"] = timeout
        merged_extensions = {**(self.extensions or {}), **(extensions or {})}
        if merged_extensions:
            kwargs["extensions"] = merged_extensions
        merged_scope = {**(self.scope or {}), **(scope or {})}
        if merged_scope:
            kwargs["scope"] = merged_scope
        for name, value in (
            ("query", query),
            ("json", json),
            ("data", data),
            ("files", files),
            ("content", content),
        ):
            if value is not None:
                kwargs[name] = value
        request_headers = self._request_headers(scheme, host, port, path, headers)
        if _is_test_app(self.app):
            communicator = self.app.http(method, path, b"", request_headers, **kwargs)
            if not isinstance(communicator, HttpCommunicator):
                raise UsageError(
                    f"{type(self.app).__name__}.http() returned {communicator!r}, not an "
                    "HttpCommunicator."
                )
            return communicator
        return HttpCommunicator(self.app, method, path, b"", request_headers, **kwargs)

    def _store_cookies(self, response: Response, url: str) -> None:
        jar = self.cookies
        if jar is None:
            return
        _, _, host, _, path = self._target(url)
        jar.extract(response.headers, host, path.partition("?")[0])

    # ------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        url: str,
        *,
        query: QueryArg = None,
        params: QueryArg = None,
        headers: HeadersArg = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        content: Any = None,
        follow_redirects: bool | None = None,
        timeout: TimeoutArg = DEFAULT,
        extensions: Mapping[str, Any] | None = None,
        scope: dict[str, Any] | None = None,
    ) -> Response:
        """Send one request and return the whole :class:`~asgitest.Response`.

        Args:
            method: the HTTP method.
            url: a path (``"/items?page=2"``), or an absolute URL.
            query: query parameters added to the URL's own (``params=`` is an alias).
            headers: this request's headers (replace the client's of the same name).
            json, data, files, content: the body (see :class:`~asgitest.HttpCommunicator`).
            follow_redirects: overrides the client's setting for this request.
            timeout: the wait for each message (default: the client's).
            extensions, scope: added to the client's for this request.

        Raises:
            Exception: the app's own exception.
            Timeout: the app did not answer in time.
        """
        __tracebackhide__ = True
        if params is not None:
            if query is not None:
                raise TypeError("Give query= or params= (an alias), not both.")
            query = params
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        history: list[Response] = []
        body: dict[str, Any] = {"json": json, "data": data, "files": files, "content": content}
        while True:
            communicator = self.build_request(
                method,
                url,
                query=query,
                headers=headers,
                timeout=timeout,
                extensions=extensions,
                scope=scope,
                **body,
            )
            async with communicator:
                response = await communicator.get_response()
            self._store_cookies(response, url)
            if not (follow and response.is_redirect):
                break
            if len(history) >= self.max_redirects:
                raise UsageError(
                    f"Stopped after {self.max_redirects} redirects (the last one to "
                    f"{response.headers['location']!r}); raise max_redirects= or fix the loop."
                )
            status = response.status
            if status == 303 or (status in (301, 302) and method not in ("GET", "HEAD")):
                method = "GET" if method != "HEAD" else "HEAD"
                body = {"json": None, "data": None, "files": None, "content": None}
                headers = _without_body_headers(headers)
            elif _is_stream(body["content"]):
                break  # a streamed body cannot be sent twice: hand the redirect back
            history.append(response)
            url = urljoin(self._target(url)[0], response.headers["location"])
            query = None
        if history:
            response._history = history
        return response

    async def get(self, url: str, **kwargs: Any) -> Response:
        """``request("GET", url, ...)``."""
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> Response:
        """``request("HEAD", url, ...)``."""
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> Response:
        """``request("OPTIONS", url, ...)``."""
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Response:
        """``request("POST", url, ...)``."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Response:
        """``request("PUT", url, ...)``."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Response:
        """``request("PATCH", url, ...)``."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Response:
        """``request("DELETE", url, ...)``."""
        return await self.request("DELETE", url, **kwargs)

    def stream(self, method: str, url: str, **kwargs: Any) -> StreamContext:
        """Send a request and read the response as it comes (no redirect following):
        ``async with client.stream("GET", "/events") as response:``. Cookies of the response
        start are stored at once. Takes the keyword arguments of :meth:`request`."""
        from ._streaming import StreamContext

        timeout = kwargs.pop("timeout", DEFAULT)
        if "params" in kwargs:
            kwargs["query"] = kwargs.pop("params")
        communicator = self.build_request(method, url, timeout=timeout, **kwargs)
        return StreamContext(
            communicator, on_start=lambda response: self._store_cookies(response, url)
        )

    def websocket(
        self,
        path: str,
        headers: HeadersArg = None,
        subprotocols: list[str] | None = None,
        **kwargs: Any,
    ) -> WebsocketCommunicator:
        """A :class:`~asgitest.WebsocketCommunicator` for ``path`` carrying the client's
        headers, an ``origin`` (as browsers send), and the jar's ``Cookie`` header, so a
        session made by HTTP requests authenticates the WebSocket too.

        Other keyword arguments go to the communicator (``spec_version``, ``extensions``,
        ``timeout``...).
        """
        _, scheme, host, port, target = self._target(path)
        ws_scheme = "wss" if scheme == "https" else "ws"
        base = urlsplit(self.base_url)
        origin = f"{base.scheme}://{base.netloc}".encode("latin-1")
        own = _header_pairs(headers)
        if not any(name == b"origin" for name, _ in own):
            own = [(b"origin", origin), *own]
        request_headers = self._request_headers(ws_scheme, host, port, target, own)
        for name, value in self._options.items():
            kwargs.setdefault(name, value)
        kwargs.setdefault("scheme", ws_scheme)
        kwargs.setdefault("server", (host, port))
        if self.scope:
            kwargs["scope"] = {**self.scope, **(kwargs.get("scope") or {})}
        if _is_test_app(self.app):
            communicator = self.app.websocket(
                target, headers=request_headers, subprotocols=subprotocols, **kwargs
            )
            if not isinstance(communicator, WebsocketCommunicator):
                raise UsageError(
                    f"{type(self.app).__name__}.websocket() returned {communicator!r}, not a "
                    "WebsocketCommunicator."
                )
            return communicator
        return WebsocketCommunicator(self.app, target, request_headers, subprotocols, **kwargs)


def _base_url_of(app: Any) -> str:
    """``http://testserver``, or the scheme and server of a TestApp."""
    if not _is_test_app(app):
        return "http://testserver"
    scheme = getattr(app, "scheme", None) or "http"
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    server = getattr(app, "server", None) or ("testserver", None)
    host, port = server[0], server[1]
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _without_body_headers(headers: HeadersArg) -> HeadersArg:
    if headers is None:
        return None
    return [pair for pair in _header_pairs(headers) if pair[0] not in _BODY_HEADERS]


def _is_stream(content: Any) -> bool:
    return content is not None and not isinstance(content, bytes | bytearray | memoryview | str)
