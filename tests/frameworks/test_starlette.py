"""The core communicators against a real Starlette application, on asyncio and trio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgitest import HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.anyio


async def describe(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "header": request.headers.get("x-test"),
            "body": (await request.body()).decode(),
        },
        headers={"X-Framework": "starlette"},
    )


async def stream(request: Request) -> StreamingResponse:
    async def numbers() -> AsyncIterator[str]:
        for number in range(3):
            yield f"{number},"

    return StreamingResponse(numbers(), media_type="text/plain")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="echo.v1")
    try:
        while True:
            message = await websocket.receive_json()
            await websocket.send_json({"echo": message, "path": websocket.url.path})
    except WebSocketDisconnect as disconnect:
        websocket.app.state.last_close = disconnect.code


async def refuse(websocket: WebSocket) -> None:
    await websocket.close(code=4403, reason="not allowed")


def boom(request: Request) -> PlainTextResponse:
    raise RuntimeError("the view failed")


app = Starlette(
    routes=[
        Route("/items/{item}", describe, methods=["GET", "POST"]),
        Route("/stream", stream),
        Route("/boom", boom),
        WebSocketRoute("/ws/echo", echo),
        WebSocketRoute("/ws/refuse", refuse),
    ]
)


async def test_http_get_with_query_and_headers() -> None:
    communicator = HttpCommunicator(app, "GET", "/items/7?color=blue", headers=[(b"x-test", b"1")])
    async with communicator:
        response = await communicator.get_response()
    assert response.status == 200
    assert response.headers["x-framework"] == "starlette"
    assert response.json() == {
        "method": "GET",
        "path": "/items/7",
        "query": {"color": "blue"},
        "header": "1",
        "body": "",
    }


async def test_http_post_body() -> None:
    async with HttpCommunicator(app, "POST", "/items/8", b"payload") as communicator:
        response = await communicator.get_response()
    assert response.json()["body"] == "payload"
    assert response.json()["method"] == "POST"


async def test_http_streaming_response() -> None:
    async with HttpCommunicator(app, "GET", "/stream") as communicator:
        response = await communicator.get_response()
    assert response.text == "0,1,2,"


async def test_http_app_exception_surfaces_as_itself() -> None:
    communicator = HttpCommunicator(app, "GET", "/boom")
    with pytest.raises(RuntimeError, match="the view failed"):
        async with communicator:
            await communicator.get_response()


async def test_websocket_json_echo_and_subprotocol() -> None:
    communicator = WebsocketCommunicator(app, "/ws/echo", subprotocols=["echo.v1"])
    async with communicator:
        assert await communicator.connect() == (True, "echo.v1")
        await communicator.send_json_to({"n": 1})
        assert await communicator.receive_json_from() == {"echo": {"n": 1}, "path": "/ws/echo"}
        await communicator.disconnect(code=4000)
    assert app.state.last_close == 4000


async def test_websocket_refused_with_code() -> None:
    async with WebsocketCommunicator(app, "/ws/refuse") as communicator:
        assert await communicator.connect() == (False, 4403)
        assert communicator.close_code == 4403
        assert communicator.close_reason == "not allowed"
