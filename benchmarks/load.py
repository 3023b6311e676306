"""Load and memory benchmark (issue 11): many connections at once, and a 100 MiB streamed body.

    PYTHONPATH=. python benchmarks/load.py                 # full sizes, both backends
    PYTHONPATH=. python benchmarks/load.py --ws 2000 --http 500 --stream-mib 10

Scenarios, each on asyncio and trio:

- ``ws-broadcast``: N WebSocket clients connect to one chat app; one sends a message, the app
  broadcasts it to all N, each receives it and disconnects.
- ``ws-echo``: N WebSocket clients each send one frame and receive its echo, all at once.
- ``http``: M concurrent HTTP requests against one echo app.
- ``stream-up`` / ``stream-down``: a request body of S MiB streamed to the app chunk by chunk
  (``content=`` an async iterable), and a response body of S MiB read with ``stream()``.

Each scenario runs twice: once for the wall time (no tracing), once under tracemalloc for the
peak Python memory above the start and what is left allocated afterwards. "Flat memory" for the
streams means the peak stays a small constant, whatever S is.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asgitest import HttpCommunicator, WebsocketCommunicator

WAIT = 120.0
CHUNK = 64 * 1024


class Broadcast:
    def __init__(self, expected: int) -> None:
        self.clients: set[Any] = set()
        self.expected = expected
        self.everyone_in = anyio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        self.clients.add(send)
        if len(self.clients) == self.expected:
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
    while (message := await receive())["type"] != "websocket.disconnect":
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


async def sink(scope: Any, receive: Any, send: Any) -> None:
    """Reads the whole request body, keeping only its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def source(total: int) -> Callable[..., Awaitable[None]]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        chunk = b"z" * CHUNK
        sent = 0
        while sent < total:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent += CHUNK
        await send({"type": "http.response.body", "body": b""})

    return app


async def ws_broadcast(count: int) -> None:
    app = Broadcast(count)

    async def client(number: int) -> None:
        async with WebsocketCommunicator(app, "/room", timeout=WAIT) as ws:
            await ws.connect()
            if number == 0:
                await app.everyone_in.wait()
                await ws.send_to(text_data="hello")
            assert await ws.receive_from() == "hello"
            await ws.disconnect()

    async with anyio.create_task_group() as group:
        for number in range(count):
            group.start_soon(client, number)


async def ws_echo(count: int) -> None:
    async def client(number: int) -> None:
        async with WebsocketCommunicator(echo_ws, "/echo", timeout=WAIT) as ws:
            await ws.connect()
            await ws.send_to(text_data=str(number))
            assert await ws.receive_from() == str(number)
            await ws.disconnect()

    async with anyio.create_task_group() as group:
        for number in range(count):
            group.start_soon(client, number)


async def http(count: int) -> None:
    async def request(number: int) -> None:
        body = str(number).encode()
        async with HttpCommunicator(echo_http, "POST", "/", body, timeout=WAIT) as communicator:
            assert (await communicator.get_response()).body == body

    async with anyio.create_task_group() as group:
        for number in range(count):
            group.start_soon(request, number)


async def stream_up(mib: int) -> None:
    total = mib * 1024 * 1024

    async def chunks() -> AsyncIterator[bytes]:
        chunk = b"u" * CHUNK
        for _ in range(total // CHUNK):
            yield chunk

    async with HttpCommunicator(sink, "POST", "/", content=chunks(), timeout=WAIT) as upload:
        assert (await upload.get_response()).body == str(total).encode()


async def stream_down(mib: int) -> None:
    total = mib * 1024 * 1024
    received = 0
    async with HttpCommunicator(source(total), "GET", "/", timeout=WAIT) as download:
        async with download.stream() as response:
            async for chunk in response.iter_bytes():
                received += len(chunk)
    assert received == total


def run(scenario: Callable[[int], Awaitable[None]], size: int, backend: str) -> dict[str, float]:
    gc.collect()
    start = time.perf_counter()
    anyio.run(scenario, size, backend=backend)
    elapsed = time.perf_counter() - start
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    anyio.run(scenario, size, backend=backend)
    peak = tracemalloc.get_traced_memory()[1] - base
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return {"seconds": elapsed, "peak_mib": peak / 2**20, "left_kib": left / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ws", type=int, default=10_000, help="WebSocket clients")
    parser.add_argument("--http", type=int, default=1_000, help="concurrent HTTP requests")
    parser.add_argument("--stream-mib", type=int, default=100, help="streamed body size")
    parser.add_argument("--backend", choices=["asyncio", "trio"], action="append")
    options = parser.parse_args()
    scenarios: list[tuple[str, Callable[[int], Awaitable[None]], int]] = [
        ("ws-broadcast", ws_broadcast, options.ws),
        ("ws-echo", ws_echo, options.ws),
        ("http", http, options.http),
        ("stream-up", stream_up, options.stream_mib),
        ("stream-down", stream_down, options.stream_mib),
    ]
    header = ("scenario", "backend", "size", "seconds", "peak MiB", "left KiB")
    print(f"{header[0]:<14}{header[1]:<9}" + "".join(f"{title:>10}" for title in header[2:]))
    for backend in options.backend or ["asyncio", "trio"]:
        for name, scenario, size in scenarios:
            result = run(scenario, size, backend)
            print(
                f"{name:<14}{backend:<9}{size:>10}{result['seconds']:>10.2f}"
                f"{result['peak_mib']:>10.1f}{result['left_kib']:>10.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
