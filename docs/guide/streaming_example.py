"""Examples for docs/guide/streaming.md (pytest runs this file)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from asgitest import HttpCommunicator

pytestmark = pytest.mark.anyio


# --8<-- [start:app]
async def prices(request: Request) -> StreamingResponse:
    async def events() -> Any:
        price = 100
        while True:  # streams forever, like a real live feed
            price += 1
            yield f"event: price\ndata: {price}\n\n"
            await anyio.sleep(0.01)

    return StreamingResponse(events(), media_type="text/event-stream")


app = Starlette(routes=[Route("/prices", prices)])
# --8<-- [end:app]


# --8<-- [start:sse]
async def test_read_three_events_then_leave() -> None:
    communicator = HttpCommunicator(app, "GET", "/prices")
    async with communicator.stream() as response:
        assert response.status == 200
        prices = []
        async for event in response.iter_events():
            prices.append(int(event.data))
            if len(prices) == 3:
                break  # leaving the block disconnects the client
    assert prices == [101, 102, 103]
    assert {"type": "http.disconnect"} in communicator.transcript.received_by_app()


# --8<-- [end:sse]


# --8<-- [start:upload]
async def test_streamed_upload() -> None:
    async def count_chunks(scope: Any, receive: Any, send: Any) -> None:
        chunks = 0
        while True:
            message = await receive()
            chunks += 1
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": str(chunks).encode()})

    async def upload() -> Any:
        for _ in range(3):
            await anyio.sleep(0.001)  # a slow client
            yield b"x" * 1024

    async with HttpCommunicator(count_chunks, "POST", "/", content=upload()) as communicator:
        response = await communicator.get_response()
    assert response.body == b"4"  # three chunks, then the empty final one


# --8<-- [end:upload]


# --8<-- [start:disconnect]
async def test_client_goes_away_with_spec_2_4() -> None:
    caught = []

    async def keeps_streaming(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200})
        try:
            while True:
                await send({"type": "http.response.body", "body": b".", "more_body": True})
                await anyio.sleep(0.001)
        except OSError as exc:  # what a 2.4 server raises once the client is gone
            caught.append(type(exc).__name__)

    communicator = HttpCommunicator(keeps_streaming, "GET", "/", spec_version="2.4")
    async with communicator.stream() as response:
        assert await response.next_chunk() == b"."
        await communicator.disconnect()
    assert caught == ["ClientDisconnected"]


# --8<-- [end:disconnect]
