"""asgitest: drive ASGI applications in-process from your tests.

HTTP, WebSocket and lifespan communicators that run any ASGI application (Django, Channels
consumers, Starlette, FastAPI, Quart, Litestar, raw apps) on asyncio or trio, with a timeout on
every wait, a transcript of every message, and a strict ASGI spec checker.
"""

from __future__ import annotations

from ._config import DEFAULT_TIMEOUT, set_timeout_factor
from ._errors import (
    AsgitestError,
    AsgitestWarning,
    ClientDisconnected,
    InvalidApplication,
    InvalidArgument,
    LeakedAppWarning,
    LifespanFailed,
    LifespanShutdownFailed,
    LifespanStartupFailed,
    LiveServerError,
    MessageMismatch,
    ProtocolError,
    ProtocolWarning,
    Timeout,
    UnexpectedMessage,
    UsageError,
    WebsocketClosed,
    WebsocketRejected,
)

TYPE_CHECKING = False  # (`import asgitest` does not import typing)

if TYPE_CHECKING:
    from typing import Any

    from ._assertions import assert_messages
    from ._client import Client
    from ._clients import (
        ASGITransport,
        AsyncTestClient,
        AsyncWebSocketTestSession,
        TestClient,
        WebSocketDenialResponse,
        WebSocketDisconnect,
        WebSocketTestSession,
    )
    from ._communicator import ApplicationCommunicator
    from ._config import set_masked_headers
    from ._cookies import Cookie, CookieJar
    from ._headers import Headers
    from ._http import HttpCommunicator
    from ._lifespan import LifespanCommunicator
    from ._live import ChannelsLiveServerTestCase as ChannelsLiveServerTestCase, LiveServer
    from ._patterns import ANY, Pattern
    from ._response import Informational, Push, Response
    from ._spec import RULES, Rule, SpecCheck
    from ._streaming import ServerSentEvent, StreamingResponse, parse_sse
    from ._testapp import TestApp
    from ._transcript import Summarized, Transcript, TranscriptEntry
    from ._websocket import WebsocketCommunicator

# Everything else is imported on first use (PEP 562), so that `import asgitest` (and the pytest
# plugin, loaded in every pytest run) stays light: no asyncio, urllib or email until needed.
_LAZY: dict[str, str] = {
    "assert_messages": "_assertions",
    "Client": "_client",
    "ASGITransport": "_clients",
    "AsyncTestClient": "_clients",
    "AsyncWebSocketTestSession": "_clients",
    "TestClient": "_clients",
    "WebSocketDenialResponse": "_clients",
    "WebSocketDisconnect": "_clients",
    "WebSocketTestSession": "_clients",
    "ApplicationCommunicator": "_communicator",
    "Cookie": "_cookies",
    "CookieJar": "_cookies",
    "Headers": "_headers",
    "HttpCommunicator": "_http",
    "LifespanCommunicator": "_lifespan",
    "LiveServer": "_live",
    "set_masked_headers": "_config",
    "ANY": "_patterns",
    "Pattern": "_patterns",
    "Informational": "_response",
    "Push": "_response",
    "Response": "_response",
    "Rule": "_spec",
    "RULES": "_spec",
    "SpecCheck": "_spec",
    "parse_sse": "_streaming",
    "ServerSentEvent": "_streaming",
    "StreamingResponse": "_streaming",
    "TestApp": "_testapp",
    "Summarized": "_transcript",
    "Transcript": "_transcript",
    "TranscriptEntry": "_transcript",
    "WebsocketCommunicator": "_websocket",
}

__version__ = "0.1.0"

__all__ = [
    "ANY",
    "ApplicationCommunicator",
    "AsgitestError",
    "AsgitestWarning",
    "ASGITransport",
    "assert_messages",
    "AsyncTestClient",
    "AsyncWebSocketTestSession",
    "Client",
    "ClientDisconnected",
    "Cookie",
    "CookieJar",
    "DEFAULT_TIMEOUT",
    "Headers",
    "HttpCommunicator",
    "Informational",
    "InvalidApplication",
    "InvalidArgument",
    "LeakedAppWarning",
    "LifespanCommunicator",
    "LifespanFailed",
    "LifespanShutdownFailed",
    "LifespanStartupFailed",
    "LiveServer",
    "LiveServerError",
    "MessageMismatch",
    "parse_sse",
    "Pattern",
    "ProtocolError",
    "ProtocolWarning",
    "Push",
    "Response",
    "Rule",
    "RULES",
    "ServerSentEvent",
    "set_masked_headers",
    "set_timeout_factor",
    "SpecCheck",
    "StreamingResponse",
    "Summarized",
    "TestApp",
    "TestClient",
    "Timeout",
    "Transcript",
    "TranscriptEntry",
    "UnexpectedMessage",
    "UsageError",
    "WebsocketClosed",
    "WebsocketCommunicator",
    "WebSocketDenialResponse",
    "WebSocketDisconnect",
    "WebsocketRejected",
    "WebSocketTestSession",
]


# Public objects say `asgitest.X` in tracebacks and reprs, not `asgitest._errors.X`.
def _rename(obj: Any) -> None:
    if hasattr(obj, "__module__") and not isinstance(obj, float):
        try:
            obj.__module__ = "asgitest"
        except (AttributeError, TypeError):
            pass


for _name in __all__:
    if _name in globals():
        _rename(globals()[_name])
del _name


def __getattr__(name: str) -> Any:
    if name == "ChannelsLiveServerTestCase":
        # It subclasses Django's TransactionTestCase: Django is imported only when it is asked
        # for, so `import asgitest` works without Django (and never needs daphne, unlike
        # channels.testing: channels #1942). Not in __all__, for the same reason.
        from ._live import ChannelsLiveServerTestCase

        ChannelsLiveServerTestCase.__module__ = "asgitest"
        return ChannelsLiveServerTestCase
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'asgitest' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{module_name}", __name__)
    # Load every public name of that module at once, renamed like the eager ones.
    for public, where in _LAZY.items():
        if where == module_name:
            value = getattr(module, public)
            _rename(value)
            globals()[public] = value
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
