"""Apps the client tests drive: raw ASGI callables and a real Starlette app."""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

events: list[str] = []


async def hello(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


async def hang(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await anyio.sleep_forever()


async def crash(scope: Any, receive: Any, send: Any) -> None:
    raise KeyError("boom")


async def str_header(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [("a", "b")]})
    await send({"type": "http.response.body", "body": b""})


async def endless_sse(scope: Any, receive: Any, send: Any) -> None:
    """Sends an event, then waits for http.disconnect and records that it saw it."""
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream")],
        }
    )
    await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
    message = await receive()
    events.append(message["type"])


async def silent_websocket(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def never_accepts(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await anyio.sleep_forever()


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> Any:
    yield {"greeting": "Hello"}


async def greet(request: Request) -> JSONResponse:
    return JSONResponse({"greeting": getattr(request.state, "greeting", None)})


async def numbers(request: Request) -> StreamingResponse:
    async def generate() -> Any:
        for number in range(3):
            yield f"{number}\n"

    return StreamingResponse(generate(), media_type="text/plain")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="v1" if "v1" in websocket.scope["subprotocols"] else None)
    async for text in websocket.iter_text():
        await websocket.send_text(text.upper())


async def closes(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close(code=4001, reason="bye")


async def plain(request: Request) -> PlainTextResponse:
    return PlainTextResponse("plain")


starlette_app = Starlette(
    lifespan=lifespan,
    routes=[
        Route("/greet", greet),
        Route("/numbers", numbers),
        Route("/plain", plain),
        WebSocketRoute("/ws", echo),
        WebSocketRoute("/closes", closes),
    ],
)
