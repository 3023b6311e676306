"""TestApp: one object per application under test, making communicators from shared defaults."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ._communicator import ApplicationCommunicator
from ._config import DEFAULT, normalize_strict, parse_lifespan, parse_timeout
from ._errors import InvalidArgument
from ._http import HttpCommunicator
from ._lifespan import LifespanCommunicator
from ._protocol import request_headers
from ._scopes import DEFAULT_CLIENT, DEFAULT_SERVER
from ._spec import parse_rule_ids
from ._transcript import DEFAULT_TRANSCRIPT_SIZE
from ._websocket import WebsocketCommunicator

if TYPE_CHECKING:
    from ._config import DefaultArg, LifespanMode, RulesArg, StrictArg, TimeoutArg

__all__ = ["TestApp"]

HeadersArg = Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None

_SCHEMES = {
    "http": ("http", "ws"),
    "ws": ("http", "ws"),
    "https": ("https", "wss"),
    "wss": ("https", "wss"),
}


def _header_pairs(headers: HeadersArg) -> list[tuple[bytes, bytes]]:
    """Headers as ``[(name, value), ...]`` bytes pairs, from a mapping or pairs (str names
    lower-cased and encoded: :func:`asgitest._protocol.request_headers`)."""
    return [(bytes(name), bytes(value)) for name, value in request_headers(headers)]


class TestApp:
    """The application under test: shared defaults, communicators, and its lifespan.

    A suite repeats the same things for every request: the app, default headers (an
    ``Authorization``, a ``Host``), the client and server addresses, the timeout, the
    strictness, whether to run the lifespan. A ``TestApp`` carries them once and makes
    communicators from them. While its lifespan runs, every HTTP and WebSocket scope it makes
    carries a shallow copy of the lifespan state in ``scope["state"]``, as uvicorn and
    hypercorn do, so ``request.state.x`` works in Starlette, FastAPI and Litestar routes.

    API (stable; the pytest plugin and the HTTP client build on it):

    - :meth:`http` → :class:`~asgitest.HttpCommunicator`;
    - :meth:`websocket` → :class:`~asgitest.WebsocketCommunicator`;
    - :meth:`lifespan_communicator` → a new :class:`~asgitest.LifespanCommunicator` with
      these defaults (not tied to this ``TestApp``);
    - ``async with TestApp(app) as app:`` runs the lifespan around the block (startup on
      enter, shutdown on exit, even when the block raised); :meth:`startup` and
      :meth:`shutdown` do the same by hand; without either, no lifespan runs and the
      communicators work all the same;
    - :attr:`state` (the running lifespan's state), :attr:`lifespan` (its communicator);
    - :meth:`aclose` closes every communicator this object made that is still open (their
      ``aclose()``), then shuts the lifespan down; leaving ``async with`` calls it.

    Per-call keyword arguments override the defaults; per-call headers replace default
    headers of the same name and are appended after the others.

    Under trio, each communicator is used with ``async with`` (as always under trio), and
    :meth:`startup` / :meth:`shutdown` must be called from the same task.

    Args:
        app: the ASGI application.
        headers: default request headers: a mapping or ``(name, value)`` pairs, str or bytes.
        timeout: default timeout of every wait, in seconds.
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        lifespan: ``"auto"``, ``"on"`` or ``"off"`` (see
            :class:`~asgitest.LifespanCommunicator`).
        client: the client address in every scope.
        server: the server address in every scope.
        root_path: the ``root_path`` of every scope.
        scheme: ``"http"``/``"ws"`` (default) or ``"https"``/``"wss"``: both spellings set
            the HTTP scheme and the WebSocket scheme together.
        spec_version: the ASGI spec version advertised in HTTP and WebSocket scopes (default:
            each communicator's own, as uvicorn).
        transcript_size: how many messages each transcript keeps.

    Example:
        ```python
        async with TestApp(app, headers={"authorization": "Bearer t"}) as app:
            response = await app.http("GET", "/items").get_response()
            async with app.websocket("/ws/") as ws:
                await ws.connect()
        ```
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: Any,
        *,
        headers: HeadersArg = None,
        timeout: TimeoutArg = DEFAULT,
        strict: StrictArg | DefaultArg = DEFAULT,
        ignore_rules: RulesArg = DEFAULT,
        lifespan: LifespanMode = "auto",
        client: tuple[str, int] | None = DEFAULT_CLIENT,
        server: tuple[str, int | None] | None = DEFAULT_SERVER,
        root_path: str = "",
        scheme: str | None = None,
        spec_version: str | None = None,
        transcript_size: int | None = DEFAULT_TRANSCRIPT_SIZE,
    ) -> None:
        self.application = app
        self.headers: list[tuple[bytes, bytes]] = _header_pairs(headers)
        """The default headers, as lowercase ``(name, value)`` bytes pairs."""
        # Left as DEFAULT when not given: each communicator then takes the settings active
        # when it is made (under pytest, those of the running test).
        self.timeout = timeout if timeout is DEFAULT else parse_timeout(timeout)
        self.strict = strict if strict is DEFAULT else normalize_strict(strict)  # type: ignore[arg-type]
        self.ignore_rules = (
            ignore_rules if ignore_rules is DEFAULT else parse_rule_ids(ignore_rules)
        )
        self.lifespan_mode: LifespanMode = parse_lifespan(lifespan)
        self.client = client
        self.server = server
        self.root_path = root_path
        if scheme is not None and scheme not in _SCHEMES:
            raise InvalidArgument(f"scheme must be 'http', 'https', 'ws' or 'wss', got {scheme!r}.")
        self.scheme = scheme
        self.spec_version = spec_version
        self.transcript_size = transcript_size
        self.lifespan: LifespanCommunicator | None = None
        """The running lifespan's communicator (``None`` before :meth:`startup`)."""
        self._communicators: weakref.WeakSet[ApplicationCommunicator] = weakref.WeakSet()

    def __repr__(self) -> str:
        name = getattr(self.application, "__qualname__", type(self.application).__name__)
        phase = "lifespan running" if self.lifespan_running else "no lifespan"
        return f"<TestApp {name} [{phase}]>"

    # ------------------------------------------------------------------ state

    @property
    def lifespan_running(self) -> bool:
        """Whether the lifespan completed startup and has not been shut down."""
        return self.lifespan is not None and self.lifespan.started

    @property
    def state(self) -> dict[str, Any]:
        """The state of the current (or last) lifespan; empty when none ran."""
        return self.lifespan.state if self.lifespan is not None else {}

    # ------------------------------------------------------------------ communicators

    def _merge_headers(self, headers: HeadersArg) -> list[tuple[bytes, bytes]]:
        extra = _header_pairs(headers)
        if not extra:
            return list(self.headers)
        names = {name.lower() for name, _ in extra}
        return [pair for pair in self.headers if pair[0].lower() not in names] + extra

    def _defaults(self, kwargs: dict[str, Any], websocket: bool) -> dict[str, Any]:
        scope: dict[str, Any] = {}
        if self.lifespan_running:
            scope["state"] = dict(self.state)  # a shallow copy per connection (ASGI R101)
        extra = kwargs.pop("scope", None)
        if extra:
            scope.update(extra)
        options: dict[str, Any] = {
            "timeout": self.timeout,
            "strict": self.strict,
            "ignore_rules": self.ignore_rules,
            "root_path": self.root_path,
            "client": self.client,
            "server": self.server,
            "transcript_size": self.transcript_size,
        }
        if self.scheme is not None:
            options["scheme"] = _SCHEMES[self.scheme][1 if websocket else 0]
        if self.spec_version is not None:
            options["spec_version"] = self.spec_version
        if scope:
            options["scope"] = scope
        options.update(kwargs)
        return options

    def _track(self, communicator: Any) -> Any:
        self._communicators.add(communicator)
        return communicator

    def http(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: HeadersArg = None,
        **kwargs: Any,
    ) -> HttpCommunicator:
        """An :class:`~asgitest.HttpCommunicator` for one request, with this app's defaults.

        ``kwargs`` are :class:`~asgitest.HttpCommunicator` keywords (``timeout``,
        ``http_version``, ``scope``...) and override the defaults; ``scope`` keys are merged
        over the lifespan state copy.
        """
        communicator = HttpCommunicator(
            self.application,
            method,
            path,
            body,
            self._merge_headers(headers),
            **self._defaults(kwargs, websocket=False),
        )
        return self._track(communicator)  # type: ignore[no-any-return]

    def websocket(
        self,
        path: str,
        headers: HeadersArg = None,
        subprotocols: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> WebsocketCommunicator:
        """A :class:`~asgitest.WebsocketCommunicator` for one connection, with these defaults.

        ``kwargs`` are :class:`~asgitest.WebsocketCommunicator` keywords and override the
        defaults.
        """
        communicator = WebsocketCommunicator(
            self.application,
            path,
            self._merge_headers(headers),
            list(subprotocols) if subprotocols is not None else None,
            **self._defaults(kwargs, websocket=True),
        )
        return self._track(communicator)  # type: ignore[no-any-return]

    def lifespan_communicator(self, **kwargs: Any) -> LifespanCommunicator:
        """A new :class:`~asgitest.LifespanCommunicator` with this app's timeout, strictness
        and lifespan mode (``kwargs`` override them). It is independent of :meth:`startup`."""
        options: dict[str, Any] = {
            "timeout": self.timeout,
            "strict": self.strict,
            "ignore_rules": self.ignore_rules,
            "lifespan": self.lifespan_mode,
            "transcript_size": self.transcript_size,
        }
        options.update(kwargs)
        return self._track(LifespanCommunicator(self.application, **options))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ lifespan

    async def startup(self) -> None:
        """Run the app's lifespan startup (per the lifespan mode) and keep it running.

        From now on every scope this object makes carries a copy of the lifespan state.

        Raises:
            LifespanStartupFailed: the app reported a startup failure (or does not support
                lifespan in mode ``"on"``).
            Timeout: startup did not complete in time.
            UsageError: the lifespan already runs.
        """
        __tracebackhide__ = True
        if self.lifespan is not None and not self.lifespan._closed:
            from ._errors import UsageError

            raise UsageError(f"{self!r}: startup() was already called; call shutdown() first.")
        lifespan = LifespanCommunicator(
            self.application,
            timeout=self.timeout,
            strict=self.strict,
            ignore_rules=self.ignore_rules,
            lifespan=self.lifespan_mode,
            transcript_size=self.transcript_size,
        )
        await lifespan.__aenter__()  # on failure it has already cleaned up
        self.lifespan = lifespan

    async def shutdown(self) -> None:
        """Send the lifespan shutdown and stop the lifespan (nothing if none runs).

        Raises:
            LifespanShutdownFailed: the app reported a shutdown failure.
            Timeout: shutdown did not complete in time.
        """
        __tracebackhide__ = True
        lifespan = self.lifespan
        if lifespan is not None and not lifespan._closed:
            await lifespan.__aexit__(None, None, None)

    async def aclose(self, *, _body_error: BaseException | None = None) -> None:
        """Close every communicator this object made that is still open, then shut down.

        Connections close first, then the lifespan shuts down, as a server does. The first
        error is raised after everything was closed (when the ``async with`` block itself
        raised, its exception wins and the others are attached to it as notes).
        """
        errors: list[BaseException] = []
        for communicator in list(self._communicators):
            if communicator is self.lifespan or communicator._closed:
                continue
            try:
                await communicator.aclose(_body_error=_body_error)
            except Exception as close_error:
                errors.append(close_error)
        lifespan = self.lifespan
        if lifespan is not None and not lifespan._closed:
            try:
                await lifespan.__aexit__(
                    type(_body_error) if _body_error else None, _body_error, None
                )
            except Exception as shutdown_error:
                errors.append(shutdown_error)
        if not errors:
            return
        if _body_error is not None:
            for error in errors:
                _body_error.add_note(
                    f"asgitest: while closing the TestApp: {type(error).__name__}: {error}"
                )
            return
        first = errors[0]
        for error in errors[1:]:
            first.add_note(f"asgitest: also while closing: {type(error).__name__}: {error}")
        raise first

    async def __aenter__(self) -> Self:
        if self.lifespan_mode != "off":
            await self.startup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose(_body_error=exc)
