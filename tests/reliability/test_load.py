"""Load: many concurrent communicators against one app complete, with bounded memory.

CI sizes are 2,000 WebSocket clients and 500 HTTP requests; ``ASGITEST_LOAD_FULL=1`` runs the
sizes of issue 11 (10,000 and 1,000). ``benchmarks/load.py`` measures the same scenarios (and a
100 MiB streamed body) with timings. Nothing here asserts a duration.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from typing import Any

import anyio
import pytest

from asgitest import HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.anyio

FULL = os.environ.get("ASGITEST_LOAD_FULL") == "1"
WS_CLIENTS = 10_000 if FULL else 2_000
HTTP_REQUESTS = 1_000 if FULL else 500
# Generous per-connection bounds (a communicator, its app task, transcript and messages).
PEAK_PER_CONNECTION = 64 * 1024
# What may stay after the load: asgitest's caches, plus what the pytest plugin keeps for a
# failure report (the last 20 communicators a test built, with their transcripts): bounded,
# and the same whatever the number of connections.
LEFT_AFTER = 2 * 1024 * 1024
WAIT = 30.0  # every wait: generous, the machine is shared


@pytest.fixture(params=[pytest.param("asyncio", id="asyncio"), pytest.param("trio", id="trio")])
def anyio_backend(request: pytest.FixtureRequest) -> object:
    """Both backends, asyncio without debug mode: its per-task bookkeeping is what would be
    measured otherwise (debug mode makes 2,000 clients take a minute instead of a second)."""
    return request.param


class Broadcast:
    """A chat room: every text frame is sent to every connected client."""

    def __init__(self) -> None:
        self.clients: set[Any] = set()
        self.connected = 0
        self.everyone_in = anyio.Event()
        self.expected = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        self.clients.add(send)
        self.connected += 1
        if self.connected == self.expected:
            self.everyone_in.set()
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                for client in list(self.clients):
                    await client({"type": "websocket.send", "text": message["text"]})
        finally:
            self.clients.discard(send)


async def echo_ws(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message.get("text")})


async def echo_http(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


class Measure:
    """tracemalloc around a block: the peak above the start, and what is left afterwards."""

    def __enter__(self) -> Measure:
        gc.collect()
        tracemalloc.start()
        self.start = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.peak = tracemalloc.get_traced_memory()[1] - self.start
        gc.collect()
        self.left = tracemalloc.get_traced_memory()[0] - self.start
        tracemalloc.stop()


async def test_many_websocket_clients_receive_one_broadcast() -> None:
    app = Broadcast()
    app.expected = WS_CLIENTS
    received: list[str] = []

    async def client(number: int) -> None:
        async with WebsocketCommunicator(app, f"/room/{number}", timeout=WAIT) as ws:
            assert await ws.connect() == (True, None)
            if number == 0:
                with anyio.fail_after(WAIT):
                    await app.everyone_in.wait()
                await ws.send_to(text_data="hello, everyone")
            received.append(await ws.receive_from())  # type: ignore[arg-type]
            await ws.disconnect()

    with Measure() as memory:
        async with anyio.create_task_group() as group:
            for number in range(WS_CLIENTS):
                group.start_soon(client, number)
        del group
    assert received == ["hello, everyone"] * WS_CLIENTS
    assert not app.clients
    assert memory.peak < PEAK_PER_CONNECTION * WS_CLIENTS, memory.peak
    assert memory.left < LEFT_AFTER, memory.left


async def test_many_websocket_clients_echo_concurrently() -> None:
    replies: list[bool] = []

    async def client(number: int) -> None:
        async with WebsocketCommunicator(echo_ws, "/echo", timeout=WAIT) as ws:
            await ws.connect()
            await ws.send_to(text_data=f"message {number}")
            replies.append(await ws.receive_from() == f"message {number}")
            await ws.disconnect()

    with Measure() as memory:
        async with anyio.create_task_group() as group:
            for number in range(WS_CLIENTS):
                group.start_soon(client, number)
        del group
    assert replies == [True] * WS_CLIENTS
    assert memory.peak < PEAK_PER_CONNECTION * WS_CLIENTS, memory.peak
    assert memory.left < LEFT_AFTER, memory.left


async def test_many_concurrent_http_requests_against_one_app() -> None:
    bodies: list[bool] = []

    async def request(number: int) -> None:
        payload = f"request {number}".encode()
        async with HttpCommunicator(echo_http, "POST", "/echo", payload, timeout=WAIT) as http:
            response = await http.get_response()
            bodies.append(response.status == 200 and response.body == payload)

    with Measure() as memory:
        async with anyio.create_task_group() as group:
            for number in range(HTTP_REQUESTS):
                group.start_soon(request, number)
        del group
    assert bodies == [True] * HTTP_REQUESTS
    assert memory.peak < PEAK_PER_CONNECTION * HTTP_REQUESTS, memory.peak
    assert memory.left < LEFT_AFTER, memory.left
