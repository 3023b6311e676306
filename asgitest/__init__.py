"""asgitest: drive ASGI applications in-process from your tests.

HTTP, WebSocket and lifespan communicators that run any ASGI application (Django, Channels
consumers, Starlette, FastAPI, Quart, Litestar, raw apps) on asyncio or trio, with a timeout on
every wait, a transcript of every message, and a strict ASGI spec checker.
"""

from __future__ import annotations

from ._assertions import assert_messages
from ._client import Client
from ._communicator import ApplicationCommunicator
from ._config import DEFAULT_TIMEOUT, set_timeout_factor
from ._cookies import Cookie, CookieJar
from ._errors import (
    AsgitestError,
    AsgitestWarning,
    ClientDisconnected,
    InvalidApplication,
    LeakedAppWarning,
    LifespanFailed,
    LifespanShutdownFailed,
    LifespanStartupFailed,
    MessageMismatch,
    ProtocolError,
    ProtocolWarning,
    Timeout,
    UnexpectedMessage,
    UsageError,
    WebsocketClosed,
    WebsocketRejected,
)
from ._headers import Headers
from ._http import HttpCommunicator
from ._lifespan import LifespanCommunicator
from ._patterns import ANY, Pattern
from ._response import Informational, Push, Response
from ._spec import RULES, Rule, SpecCheck
from ._streaming import ServerSentEvent, StreamingResponse, parse_sse
from ._testapp import TestApp
from ._transcript import Summarized, Transcript, TranscriptEntry
from ._websocket import WebsocketCommunicator

__version__ = "0.1.0"

__all__ = [
    "ANY",
    "ApplicationCommunicator",
    "AsgitestError",
    "AsgitestWarning",
    "assert_messages",
    "Client",
    "ClientDisconnected",
    "Cookie",
    "CookieJar",
    "DEFAULT_TIMEOUT",
    "Headers",
    "HttpCommunicator",
    "Informational",
    "InvalidApplication",
    "LeakedAppWarning",
    "LifespanCommunicator",
    "LifespanFailed",
    "LifespanShutdownFailed",
    "LifespanStartupFailed",
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
    "set_timeout_factor",
    "SpecCheck",
    "StreamingResponse",
    "Summarized",
    "TestApp",
    "Timeout",
    "Transcript",
    "TranscriptEntry",
    "UnexpectedMessage",
    "UsageError",
    "WebsocketClosed",
    "WebsocketCommunicator",
    "WebsocketRejected",
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

