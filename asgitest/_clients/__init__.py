"""The httpx-based test clients: TestClient (Starlette's drop-in), AsyncTestClient and
ASGITransport (httpx's drop-in, streaming), with Starlette-compatible WebSocket sessions.

Importing this package imports httpx (``httpx2`` first); ``import asgitest`` never does.
"""

from __future__ import annotations

from ._async import AsyncTestClient
from ._sync import TestClient
from ._transport import ASGITransport
from ._websocket import (
    AsyncWebSocketTestSession,
    WebSocketDenialResponse,
    WebSocketDisconnect,
    WebSocketTestSession,
)

__all__ = [
    "ASGITransport",
    "AsyncTestClient",
    "AsyncWebSocketTestSession",
    "TestClient",
    "WebSocketDenialResponse",
    "WebSocketDisconnect",
    "WebSocketTestSession",
]
