"""asgitest: drive ASGI applications in-process from your tests.

HTTP, WebSocket and lifespan communicators that run any ASGI application (Django, Channels
consumers, Starlette, FastAPI, Quart, Litestar, raw apps) on asyncio or trio, with a timeout on
every wait, a transcript of every message, and a strict ASGI spec checker.
"""

from __future__ import annotations

from ._communicator import ApplicationCommunicator
from ._config import DEFAULT_TIMEOUT, set_timeout_factor
from ._errors import (
    AsgitestError,
    AsgitestWarning,
    ClientDisconnected,
    InvalidApplication,
    LeakedAppWarning,
    LifespanFailed,
    LifespanShutdownFailed,
    LifespanStartupFailed,
    ProtocolError,
    ProtocolWarning,
    Timeout,
    UnexpectedMessage,
    UsageError,
    WebsocketClosed,
)
from ._headers import Headers
from ._http import HttpCommunicator
from ._lifespan import LifespanCommunicator
from ._response import Response
from ._testapp import TestApp
from ._transcript import Summarized, Transcript, TranscriptEntry
from ._websocket import WebsocketCommunicator

__version__ = "0.1.0"

__all__ = [
    "ApplicationCommunicator",
    "AsgitestError",
    "AsgitestWarning",
    "ClientDisconnected",
    "DEFAULT_TIMEOUT",
    "Headers",
    "HttpCommunicator",
    "InvalidApplication",
    "LeakedAppWarning",
    "LifespanCommunicator",
    "LifespanFailed",
    "LifespanShutdownFailed",
    "LifespanStartupFailed",
    "ProtocolError",
    "ProtocolWarning",
    "Response",
    "set_timeout_factor",
    "Summarized",
    "TestApp",
    "Timeout",
    "Transcript",
    "TranscriptEntry",
    "UnexpectedMessage",
    "UsageError",
    "WebsocketClosed",
    "WebsocketCommunicator",
]

# Public objects say `asgitest.X` in tracebacks and reprs, not `asgitest._errors.X`.
for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and not isinstance(_obj, float):
        try:
            _obj.__module__ = "asgitest"
        except (AttributeError, TypeError):
            pass
del _name, _obj


def __getattr__(name: str) -> object:
    # ChannelsLiveServerTestCase needs a real server; import it only when asked for, so that
    # `import asgitest` never needs daphne (channels #1942).
    if name == "ChannelsLiveServerTestCase":
        from ._live import ChannelsLiveServerTestCase

        return ChannelsLiveServerTestCase
    raise AttributeError(f"module 'asgitest' has no attribute {name!r}")
