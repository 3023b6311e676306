"""Apps the live-server tests serve under uvicorn, hypercorn and daphne.

Subprocess servers import them by name ("tests.live.apps:app"), so they live at module level.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

Scope = dict[str, Any]

GREETING = "hello"  # tests monkeypatch it to show thread mode shares the process
LIFESPAN: list[str] = []
CHAT: set[Any] = set()  # the send callables of the connected chat clients

PAGE = b"""<!doctype html>
<html><head><title>live</title></head><body>
<p id="http">served over HTTP</p><p id="ws">waiting</p>
<script>
const socket = new WebSocket(location.origin.replace("http", "ws") + "/echo");
socket.onopen = () => socket.send("echoed by the server");
socket.onmessage = (event) => { document.getElementById("ws").textContent = event.data; };
</script>
</body></html>
"""


async def _text(send: Any, status: int, text: str | bytes, content_type: bytes) -> None:
    body = text.encode() if isinstance(text, str) else text
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Any, send: Any) -> None:
    """Lifespan, a few HTTP routes, a WebSocket echo and a chat room that broadcasts."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                LIFESPAN.append("startup")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                LIFESPAN.append("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        if path == "/":
            await _text(send, 200, GREETING, b"text/plain")
        elif path == "/echo":
            await _text(send, 200, body, b"application/octet-stream")
        elif path == "/info":
            info = {
                "lifespan": LIFESPAN,
                "client_port": scope["client"][1] if scope.get("client") else None,
                "http_version": scope["http_version"],
            }
            await _text(send, 200, json.dumps(info), b"application/json")
        elif path == "/page":
            await _text(send, 200, PAGE, b"text/html; charset=utf-8")
        else:
            await _text(send, 404, "not found", b"text/plain")
        return
    # websocket
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    chat = scope["path"] == "/chat"
    if chat:
        CHAT.add(send)  # before accepting: a connected client never misses a message
    await send({"type": "websocket.accept"})
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if chat:
                for member in list(CHAT):
                    await member({"type": "websocket.send", "text": text})
            elif text is not None:
                await send({"type": "websocket.send", "text": text})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})
    finally:
        CHAT.discard(send)


async def failing_startup(scope: Scope, receive: Any, send: Any) -> None:
    """Reports lifespan.startup.failed with a message."""
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "the database is unreachable"})
        return
    raise RuntimeError("not served")


async def hanging_startup(scope: Scope, receive: Any, send: Any) -> None:
    """Never completes its lifespan startup."""
    if scope["type"] == "lifespan":
        await receive()
        await asyncio.Event().wait()
    raise RuntimeError("not served")


async def _homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"starlette says {GREETING}")


async def _websocket(websocket: WebSocket) -> None:
    await websocket.accept()
    name = await websocket.receive_text()
    await websocket.send_json({"hello": name})
    await websocket.close(code=1000)


starlette_app = Starlette(routes=[Route("/", _homepage), WebSocketRoute("/ws", _websocket)])
