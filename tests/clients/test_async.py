"""asgitest.AsyncTestClient and ASGITransport, on asyncio and trio."""

from __future__ import annotations

import contextlib

import anyio
import httpx2
import pytest
from starlette.websockets import WebSocketDisconnect as StarletteDisconnect

from asgitest import ASGITransport, AsyncTestClient, Timeout

from . import apps

pytestmark = pytest.mark.anyio


async def test_async_with_runs_lifespan_and_state_reaches_requests() -> None:
    async with AsyncTestClient(apps.starlette_app) as client:
        response = await client.get("/greet")
    assert response.json() == {"greeting": "Hello"}


async def test_websocket_connect_is_an_async_context_manager() -> None:
    async with AsyncTestClient(apps.starlette_app) as client:
        async with client.websocket_connect("/ws") as websocket:
            await websocket.send_text("hi")
            assert await websocket.receive_text() == "HI"
        async with client.websocket_connect("/closes") as websocket:
            with pytest.raises(StarletteDisconnect):
                await websocket.receive_text()


async def test_a_streamed_starlette_response_arrives_in_chunks() -> None:
    async with AsyncTestClient(apps.starlette_app) as client:
        async with client.stream("GET", "/numbers") as response:
            lines = [line async for line in response.aiter_lines()]
    assert lines == ["0", "1", "2"]


async def test_asgitransport_returns_at_the_response_start_and_streams() -> None:
    apps.events.clear()
    transport = ASGITransport(apps.endless_sse)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        async with client.stream("GET", "/") as response:
            async with contextlib.aclosing(response.aiter_bytes()) as chunks:
                assert await anext(chunks) == b"data: 1\n\n"
    assert apps.events == ["http.disconnect"]


async def test_cancelling_get_of_an_endless_stream_disconnects_the_app() -> None:
    apps.events.clear()
    transport = ASGITransport(apps.endless_sse, timeout=None)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        with anyio.move_on_after(0.2) as scope:
            await client.get("/")
    assert scope.cancelled_caught
    assert apps.events == ["http.disconnect"]


async def test_a_hanging_app_times_out() -> None:
    async with AsyncTestClient(apps.hang, timeout=0.2, lifespan="off") as client:
        with pytest.raises(Timeout):
            await client.get("/")


async def test_the_apps_exception_is_raised_as_itself() -> None:
    async with AsyncTestClient(apps.crash, lifespan="off") as client:
        with pytest.raises(KeyError):
            await client.get("/")
