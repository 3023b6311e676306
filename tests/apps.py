"""Small raw ASGI applications shared by the tests."""

from __future__ import annotations

import contextvars
from typing import Any

Scope = dict[str, Any]

request_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_var", default="unset")


async def hello_world(scope: Scope, receive: Any, send: Any) -> None:
    """Reads the request, answers 200 "Hello, world", then waits for http.disconnect."""
    assert scope["type"] == "http"
    message = await receive()
    assert message["type"] == "http.request"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"Hello, world"})
    message = await receive()
    assert message["type"] == "http.disconnect", message


async def echo_body(scope: Scope, receive: Any, send: Any) -> None:
    """Echoes the request body (all chunks) and the request headers as response headers."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": scope["headers"]})
    await send({"type": "http.response.body", "body": body})


async def echo_websocket(scope: Scope, receive: Any, send: Any) -> None:
    """Accepts, echoes every frame (text or bytes), returns on disconnect."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})
        elif message["type"] == "websocket.disconnect":
            return


async def raise_at_once(scope: Scope, receive: Any, send: Any) -> None:
    await receive()
    raise ValueError("the app is broken")


async def raise_after_response_start(scope: Scope, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("failed half-way")


async def silent(scope: Scope, receive: Any, send: Any) -> None:
    """Receives forever and never sends anything."""
    while True:
        message = await receive()
        if message["type"] in ("websocket.disconnect", "http.disconnect"):
            return


async def ignore_disconnect(scope: Scope, receive: Any, send: Any) -> None:
    """Accepts, then never returns, whatever it receives."""
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        await receive()


async def return_at_once(scope: Scope, receive: Any, send: Any) -> None:
    return None


async def read_context(scope: Scope, receive: Any, send: Any) -> None:
    """Sends the value of ``request_var`` as seen by the app."""
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": request_var.get()})
    await receive()


async def mutate_scope(scope: Scope, receive: Any, send: Any) -> None:
    scope["seen_by_app"] = True
    await receive()
    await send({"type": "websocket.close", "code": 4001})


class Asgi2App:
    """An ASGI 2 "double callable"."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class InstanceApp:
    """An instance with an async __call__ (as Starlette, Django and URLRouter are)."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        await hello_world(scope, receive, send)
