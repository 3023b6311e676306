"""HTTP and WebSocket message state and header normalising: the one copy of each.

The engine knows no protocol: what a connection's messages mean to the server it plays (the
response is complete, the app closed the socket, what ``receive()`` returns once the client is
gone) lives here, in one :class:`Connection` per scope, which the engine consults on every
message the app sends. The communicators read a response with the same :class:`ResponseProgress`
the engine uses to tell that it is complete, and every entry point that takes request headers
(the communicators, ``TestApp``, the clients) normalises them with :func:`request_headers`.

Imports only from below: the exceptions and the types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._errors import InvalidArgument

if TYPE_CHECKING:
    from ._types import Message, Scope

__all__ = [
    "DEBUG",
    "EARLY_HINTS",
    "PATHSEND",
    "PUSH",
    "TRAILERS",
    "ZEROCOPYSEND",
    "Connection",
    "ResponseProgress",
    "connection_for",
    "request_headers",
    "spec_version",
]

TRAILERS: Final = "http.response.trailers"
EARLY_HINTS: Final = "http.response.early_hint"
PUSH: Final = "http.response.push"
DEBUG: Final = "http.response.debug"
PATHSEND: Final = "http.response.pathsend"
ZEROCOPYSEND: Final = "http.response.zerocopysend"

# ---------------------------------------------------------------------------- spec versions

_VERSIONS: dict[Any, tuple[int, ...]] = {}


def spec_version(scope: Any) -> tuple[int, ...]:
    """The protocol spec version the scope advertises, as a tuple: ``asgi.spec_version``, else
    channels' top-level ``spec_version``, else ``(2, 0)`` (the spec's default)."""
    asgi = scope.get("asgi") if isinstance(scope, dict) else None
    version = asgi.get("spec_version") if isinstance(asgi, dict) else None
    if not version and isinstance(scope, dict):
        version = scope.get("spec_version")
    version = version or "2.0"
    try:
        return _VERSIONS[version]
    except (KeyError, TypeError):
        pass
    try:
        parsed = tuple(int(part) for part in str(version).split("."))
    except ValueError:
        parsed = (2, 0)
    if type(version) is str and len(_VERSIONS) < 64:
        _VERSIONS[version] = parsed
    return parsed


# ---------------------------------------------------------------------------- request headers


def _encode(value: Any, argument: str, index: int, part: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("latin-1")
    if isinstance(value, bytearray):
        return bytes(value)
    raise InvalidArgument(
        f"{argument}[{index}] has a header {part} of type {type(value).__name__} ({value!r}): "
        "a header name and value must be str or bytes.",
        argument=argument,
        value=value,
    )


def request_headers(headers: Any, argument: str = "headers") -> Any:
    """The headers a test gives, as the app will see them.

    - ``None`` (or empty) is ``[]``.
    - A mapping (``{"X-Token": "1"}``) becomes ``[(b"x-token", b"1")]``: names lower-cased and
      encoded, values encoded (latin-1, as on the wire).
    - A list of pairs is passed on as it is when every name and value is already bytes (as
      channels.testing does: the spec checker judges them); a pair holding a ``str`` is
      encoded like a mapping's.

    Anything else (not pairs, a name or value that is neither str nor bytes) raises
    :class:`~asgitest.InvalidArgument` naming ``argument``.
    """
    if not headers:
        return []
    if isinstance(headers, Mapping):
        return [
            (
                _encode(name, argument, index, "name").lower(),
                _encode(value, argument, index, "value"),
            )
            for index, (name, value) in enumerate(headers.items())
        ]
    if isinstance(headers, (str, bytes, bytearray)) or not hasattr(headers, "__iter__"):
        raise InvalidArgument(
            f"{argument}={headers!r} is not a list of (name, value) pairs or a mapping: write "
            f'for example {argument}=[(b"x-token", b"secret")] or '
            f'{argument}={{"x-token": "secret"}}.',
            argument=argument,
            value=headers,
        )
    pairs = headers if isinstance(headers, list) else list(headers)
    converted: list[Any] | None = None
    for index, pair in enumerate(pairs):
        if (
            isinstance(pair, (tuple, list))
            and len(pair) == 2
            and type(pair[0]) is bytes
            and type(pair[1]) is bytes
        ):
            if converted is not None:
                converted.append(pair)
            continue
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidArgument(
                f"{argument}[{index}] is {pair!r}, not a (name, value) pair.",
                argument=argument,
                value=headers,
            )
        if converted is None:
            converted = list(pairs[:index])
        name, value = pair
        converted.append(
            (
                _encode(name, argument, index, "name").lower()
                if isinstance(name, str)
                else _encode(name, argument, index, "name"),
                _encode(value, argument, index, "value"),
            )
        )
    if converted is not None:
        return converted
    return pairs


# ---------------------------------------------------------------------------- the response


class ResponseProgress:
    """Where an HTTP response stands: before its start, in its body, in its trailers, done.

    Fed with the app's messages in order (:meth:`feed`); trailers are expected only when the
    start message asks for them *and* the scope advertises the trailers extension. The engine
    feeds it as the app sends, to tell when the response is complete; a communicator feeds its
    own as the test reads.
    """

    __slots__ = ("expect_trailers", "phase", "trailers_advertised")

    START: Final = "start"
    BODY: Final = "body"
    TRAILERS: Final = "trailers"
    DONE: Final = "done"

    def __init__(self, extensions: Any) -> None:
        self.phase = "start"
        self.trailers_advertised = isinstance(extensions, dict) and TRAILERS in extensions
        self.expect_trailers = False

    @property
    def complete(self) -> bool:
        return self.phase == "done"

    def started(self, message: Message) -> None:
        """The ``http.response.start`` message arrived."""
        self.phase = "body"
        self.expect_trailers = self.trailers_advertised and bool(message.get("trailers", False))

    def body_ended(self) -> None:
        """The last body message (``more_body`` false, or a pathsend) arrived."""
        self.phase = "trailers" if self.expect_trailers else "done"

    def feed(self, message: Message) -> bool:
        """Advance by one message the app sent; ``True`` once the response is complete."""
        kind = message.get("type")
        phase = self.phase
        if phase == "start":
            if kind == "http.response.start":
                self.started(message)
        elif phase == "body":
            if kind == "http.response.body" or kind == ZEROCOPYSEND:
                if not message.get("more_body", False):
                    self.body_ended()
            elif kind == PATHSEND:
                self.body_ended()
        elif phase == "trailers" and kind == TRAILERS and not message.get("more_trailers", False):
            self.phase = "done"
        return self.phase == "done"


# ---------------------------------------------------------------------------- connections


class Connection:
    """What the server asgitest plays makes of the app's messages on one connection.

    Attributes:
        after_end: what ``receive()`` returns (a copy of) once the app has returned (a task it
            left behind is receiving): the server closed the connection.
    """

    __slots__ = ()

    after_end: Message | None = None

    def client_gone(self) -> Message | None:
        """A new message that tells the app its client went away (delivered when a
        communicator is closed with the app still running), if the protocol has one."""
        return None

    def sent(self, message: Message) -> Message | None:
        """A message the app sent (and the checker let through). Returns the message that
        ``receive()`` returns from now on, when this one ended the connection for the server
        (the response is complete, the app closed the socket), else ``None``."""
        return None


class HttpConnection(Connection):
    """An HTTP connection: once the response is complete, ``receive()`` returns
    ``http.disconnect`` (as every server does)."""

    __slots__ = ("response",)

    after_end: Message | None = {"type": "http.disconnect"}

    def __init__(self, scope: Scope) -> None:
        self.response = ResponseProgress(scope.get("extensions"))

    def client_gone(self) -> Message | None:
        return {"type": "http.disconnect"}

    def sent(self, message: Message) -> Message | None:
        if self.response.feed(message):
            return {"type": "http.disconnect"}
        return None


class WebsocketConnection(Connection):
    """A WebSocket: once the app sent ``websocket.close``, the server completes the closing
    handshake and ``receive()`` returns ``websocket.disconnect`` with the same code."""

    __slots__ = ()

    after_end: Message | None = {"type": "websocket.disconnect", "code": 1006}

    def client_gone(self) -> Message | None:
        return {"type": "websocket.disconnect", "code": 1000}

    def sent(self, message: Message) -> Message | None:
        if message.get("type") == "websocket.close":
            return {"type": "websocket.disconnect", "code": message.get("code", 1000)}
        return None


def connection_for(scope: Any) -> Connection | None:
    """The :class:`Connection` of a scope's protocol, or ``None`` (lifespan, unknown types)."""
    kind = scope.get("type") if isinstance(scope, dict) else None
    if kind == "http":
        return HttpConnection(scope)
    if kind == "websocket":
        return WebsocketConnection()
    return None
