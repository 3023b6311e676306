#!/usr/bin/env python
"""asgitest benchmarks: the same workloads against asgitest, two floors and every installed peer.

Everything runs in one process, interleaved round-robin (repeat 1 of every harness, then repeat 2,
...), so all harnesses share the machine's noise. Each figure is reported as a median per
operation, its min/max over the repeats, and as a ratio to two floors:

- ``bare``: ``await app(scope, receive, send)`` with trivial ``receive``/``send`` callables;
- ``floor-task``: the app run in an asyncio task talking through two plain ``asyncio.Queue``s,
  the least a harness that can time out must do.

Usage (from the repository root)::

    python benchmarks/run.py [--quick] [--trio] [--json out.json] [--chart docs/performance.png]

asgitest is measured as a user gets it: spec checker and transcript on (the defaults). The
script prints which checker is active, so that the numbers are honest about what was checked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asgitest  # noqa: E402
from asgitest import HttpCommunicator, WebsocketCommunicator  # noqa: E402
from asgitest._communicator import ApplicationCommunicator as AsgitestAppComm  # noqa: E402

try:  # written in another branch; fall back to driving a lifespan scope by hand
    from asgitest import LifespanCommunicator  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the branch
    LifespanCommunicator = None

perf = time.perf_counter
Bench = Callable[[int], Awaitable[float]]  # runs n operations, returns the seconds they took

# ====================================================================== the applications

KIB = 1024
MIB = 1024 * KIB
REQUEST_1MIB = b"q" * MIB
RESPONSE_1MIB = b"r" * MIB
CHUNK = b"c" * 100
CHUNKS = 1000
received_bodies: list[Any] = []  # what post_app got, to check that nothing was copied
members: list[Any] = []  # the send() callables of the broadcast app's connections


async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def http_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return await lifespan_app(scope, receive, send)
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def post_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return await lifespan_app(scope, receive, send)
    message = await receive()
    body = message.get("body", b"")
    if message.get("more_body", False):
        parts = [body]
        while message.get("more_body", False):
            message = await receive()
            parts.append(message.get("body", b""))
        body = b"".join(parts)
    received_bodies[:] = [body]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"%d" % MIB)],
        }
    )
    await send({"type": "http.response.body", "body": RESPONSE_1MIB})


async def stream_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return await lifespan_app(scope, receive, send)
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for _ in range(CHUNKS - 1):
        await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
    await send({"type": "http.response.body", "body": CHUNK})


async def gated_stream_app(scope: Any, receive: Any, send: Any) -> None:
    """Sends one chunk, then waits for the client to go away before finishing."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
    await receive()  # blocks until the client disconnects


async def ws_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return await lifespan_app(scope, receive, send)
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        text = message.get("text")
        if text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message.get("bytes")})


async def broadcast_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    members.append(send)
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def crash_app(scope: Any, receive: Any, send: Any) -> None:
    raise ValueError("boom")


def http_scope(method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 12345),
        "server": ("testserver", 80),
    }


def ws_scope() -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 12345),
        "server": ("testserver", 80),
        "subprotocols": [],
    }


LIFESPAN_SCOPE = {
    "type": "lifespan",
    "asgi": {"version": "3.0", "spec_version": "2.0"},
    "state": {},
}
GET_REQUEST = {"type": "http.request", "body": b"", "more_body": False}

# ====================================================================== peers (optional)


# --no-peers: measure asgitest and the floors only, in a process that never imports Django
# (channels imports it, and asgitest then guards Django's database signals around every app).
NO_PEERS = "--no-peers" in sys.argv


def _try_import(name: str, peer: bool = True) -> Any:
    if peer and NO_PEERS:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return __import__(name, fromlist=["_"])
    except Exception:
        return None


asgiref_testing = _try_import("asgiref.testing")
channels_testing = _try_import("channels.testing")
httpx = _try_import("httpx")
starlette_testclient = _try_import("starlette.testclient")
aatc = _try_import("async_asgi_testclient")
asgi_lifespan = _try_import("asgi_lifespan")


def checker_status() -> str:
    from asgitest._spec import make_checker
    from asgitest._transcript import Transcript

    try:
        checker = make_checker(http_scope(), "error", Transcript())
    except Exception as exc:  # the scope was refused: still a real checker
        return f"active ({type(exc).__name__} on the benchmark scope!)"
    if checker is None:
        return "STUB (make_checker returned None: no spec checks ran)"
    return f"active ({type(checker).__module__}.{type(checker).__qualname__})"


# ====================================================================== workloads
# Each factory returns {harness: bench}; a bench runs n operations and returns elapsed seconds.


def _timed(body: Callable[[int], Awaitable[None]]) -> Bench:
    async def bench(n: int) -> float:
        start = perf()
        await body(n)
        return perf() - start

    return bench


async def _floor_task_http(app: Any, scope: Any, request: Any, reads: int) -> None:
    inq: asyncio.Queue[Any] = asyncio.Queue()
    outq: asyncio.Queue[Any] = asyncio.Queue()
    task = asyncio.get_running_loop().create_task(app(scope, inq.get, outq.put))
    await inq.put(request)
    for _ in range(reads):
        await outq.get()
    await task


def http_benches(
    app: Any, method: str, body: bytes, reads: int, check: Callable[[Any], None]
) -> dict[str, Bench]:
    scope = http_scope(method)
    benches: dict[str, Bench] = {}

    async def bare(n: int) -> None:
        async def receive() -> Any:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Any) -> None:
            pass

        for _ in range(n):
            await app(scope, receive, send)

    benches["bare"] = _timed(bare)

    async def floor_task(n: int) -> None:
        for _ in range(n):
            await _floor_task_http(
                app, scope, {"type": "http.request", "body": body, "more_body": False}, reads
            )

    benches["floor-task"] = _timed(floor_task)

    async def ours(n: int) -> None:
        for _ in range(n):
            response = await HttpCommunicator(app, method, "/", body).get_response()
        check(response["body"])

    benches["asgitest"] = _timed(ours)

    if method == "GET":

        async def ours_with(n: int) -> None:
            for _ in range(n):
                async with HttpCommunicator(app, method, "/", body) as communicator:
                    response = await communicator.get_response()
            check(response["body"])

        benches["asgitest-with"] = _timed(ours_with)

    if asgiref_testing is not None:

        async def asgiref(n: int) -> None:
            for _ in range(n):
                communicator = asgiref_testing.ApplicationCommunicator(app, scope)
                await communicator.send_input(
                    {"type": "http.request", "body": body, "more_body": False}
                )
                for _ in range(reads):
                    last = await communicator.receive_output(1)
                await communicator.wait(1)
            if reads == 2:
                check(last["body"])

        benches["asgiref"] = _timed(asgiref)

    if channels_testing is not None:

        async def channels(n: int) -> None:
            for _ in range(n):
                response = await channels_testing.HttpCommunicator(
                    app, method, "/", body
                ).get_response()
            check(response["body"])

        benches["channels"] = _timed(channels)

    if httpx is not None:

        async def via_httpx(n: int) -> float:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                start = perf()
                for _ in range(n):
                    response = await client.request(method, "/", content=body)
                elapsed = perf() - start
            check(response.content)
            return elapsed

        benches["httpx"] = via_httpx

    if aatc is not None:

        async def via_aatc(n: int) -> float:
            client = aatc.TestClient(app)
            start = perf()
            for _ in range(n):
                response = await client.open("/", method=method, data=body or None)
            elapsed = perf() - start
            check(response.content)
            return elapsed

        benches["async-asgi-testclient"] = via_aatc

    if starlette_testclient is not None:

        async def via_starlette(n: int) -> float:
            client = starlette_testclient.TestClient(app)
            start = perf()
            for _ in range(n):
                response = client.request(method, "/", content=body or None)
            elapsed = perf() - start
            check(response.content)
            return elapsed

        async def via_starlette_with(n: int) -> float:
            with starlette_testclient.TestClient(app) as client:
                start = perf()
                for _ in range(n):
                    response = client.request(method, "/", content=body or None)
                elapsed = perf() - start
            check(response.content)
            return elapsed

        benches["starlette"] = via_starlette
        benches["starlette-with"] = via_starlette_with
    return benches


def clients_get_benches() -> dict[str, Bench]:
    """One GET through the httpx-based clients, against Starlette's TestClient and httpx's
    AsyncClient (over httpx's ASGITransport and over a MockTransport, httpx's own floor)."""
    benches = {
        name: bench
        for name, bench in http_benches(http_app, "GET", b"", 2, _check_ok).items()
        if name in ("bare", "floor-task")
    }
    try:
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
    except ImportError:  # pragma: no cover - starlette is in the dev extra
        return benches
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient as StarletteTestClient

    from asgitest import ASGITransport, AsyncTestClient, TestClient
    from asgitest._clients._httpx import httpx

    async def ok(request: Any) -> Any:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", ok)])

    def sync_bench(factory: Any, inside: bool) -> Bench:
        # One client for the whole benchmark (made on first use, outside the timing), as a
        # test module's fixture would hold it; "in with" runs the GETs inside its lifespan.
        clients: list[Any] = []

        async def run(n: int) -> None:
            if not clients:
                clients.append(factory(app))
                if inside:
                    clients[0].__enter__()
                clients[0].get("/")  # (asgitest: starts the client's loop thread)
            client = clients[0]
            for _ in range(n):
                response = client.get("/")
            _check_ok(response.content)

        async def timed(n: int) -> float:
            if not clients:
                await run(1)
            return await _timed(run)(n)

        return timed

    benches["asgitest TestClient"] = sync_bench(TestClient, False)
    benches["starlette TestClient"] = sync_bench(StarletteTestClient, False)
    benches["asgitest TestClient in with"] = sync_bench(TestClient, True)
    benches["starlette TestClient in with"] = sync_bench(StarletteTestClient, True)

    def async_bench(make: Callable[[], Any]) -> Bench:
        async def run(n: int) -> None:
            async with make() as client:
                for _ in range(n):
                    response = await client.get("/")
            _check_ok(response.content)

        return _timed(run)

    benches["asgitest AsyncTestClient"] = async_bench(lambda: AsyncTestClient(app, lifespan="off"))
    benches["httpx + asgitest ASGITransport"] = async_bench(
        lambda: httpx.AsyncClient(transport=ASGITransport(app), base_url="http://testserver")
    )
    benches["httpx + httpx ASGITransport"] = async_bench(
        lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://testserver")
    )
    benches["httpx + MockTransport"] = async_bench(
        lambda: httpx.AsyncClient(
            transport=httpx.MockTransport(lambda request: httpx.Response(200, content=b"ok")),
            base_url="http://testserver",
        )
    )
    return benches


def stream_benches() -> dict[str, Bench]:
    benches = http_benches(stream_app, "GET", b"", CHUNKS + 1, _check_stream)
    benches.pop("asgitest-with", None)

    async def ours_chunks(n: int) -> None:
        # Read the chunks one by one, as a streaming test does.
        for _ in range(n):
            communicator = HttpCommunicator(stream_app, "GET", "/")
            await communicator.send_input(GET_REQUEST)
            await communicator.receive_output()
            size = 0
            while True:
                message = await communicator.receive_output()
                size += len(message["body"])
                if not message.get("more_body", False):
                    break
        _check_stream(b"x" * size)

    benches["asgitest"] = _timed(ours_chunks)
    return benches


def _check_stream(body: Any) -> None:
    if len(body) not in (len(CHUNK), CHUNKS * len(CHUNK)):
        raise AssertionError(f"stream: got {len(body)} bytes")


def _check_ok(body: Any) -> None:
    if body != b"ok":
        raise AssertionError(f"GET: got {body!r}")


def _check_post(body: Any) -> None:
    if len(body) != MIB or len(received_bodies[0]) != MIB:
        raise AssertionError("POST: wrong sizes")


def ws_echo_benches() -> dict[str, Bench]:
    scope = ws_scope()
    benches: dict[str, Bench] = {}

    async def bare(n: int) -> float:
        messages = iter(
            [{"type": "websocket.connect"}]
            + [{"type": "websocket.receive", "text": "hi"} for _ in range(n)]
            + [{"type": "websocket.disconnect", "code": 1000}]
        )

        async def receive() -> Any:
            return next(messages)

        async def send(message: Any) -> None:
            pass

        start = perf()
        await ws_app(scope, receive, send)
        return perf() - start

    benches["bare"] = bare

    async def floor_task(n: int) -> float:
        inq: asyncio.Queue[Any] = asyncio.Queue()
        outq: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.get_running_loop().create_task(ws_app(scope, inq.get, outq.put))
        await inq.put({"type": "websocket.connect"})
        await outq.get()
        start = perf()
        for _ in range(n):
            await inq.put({"type": "websocket.receive", "text": "hi"})
            await outq.get()
        elapsed = perf() - start
        await inq.put({"type": "websocket.disconnect", "code": 1000})
        await task
        return elapsed

    benches["floor-task"] = floor_task

    async def ours(n: int) -> float:
        communicator = WebsocketCommunicator(ws_app, "/")
        await communicator.connect()
        start = perf()
        for _ in range(n):
            await communicator.send_to(text_data="hi")
            await communicator.receive_from()
        elapsed = perf() - start
        await communicator.disconnect()
        return elapsed

    benches["asgitest"] = ours

    if asgiref_testing is not None:

        async def asgiref(n: int) -> float:
            communicator = asgiref_testing.ApplicationCommunicator(ws_app, scope)
            await communicator.send_input({"type": "websocket.connect"})
            await communicator.receive_output(1)
            start = perf()
            for _ in range(n):
                await communicator.send_input({"type": "websocket.receive", "text": "hi"})
                await communicator.receive_output(1)
            elapsed = perf() - start
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
            await communicator.wait(1)
            return elapsed

        benches["asgiref"] = asgiref

    if channels_testing is not None:

        async def channels(n: int) -> float:
            communicator = channels_testing.WebsocketCommunicator(ws_app, "/")
            await communicator.connect()
            start = perf()
            for _ in range(n):
                await communicator.send_to(text_data="hi")
                await communicator.receive_from()
            elapsed = perf() - start
            await communicator.disconnect()
            return elapsed

        benches["channels"] = channels

    if aatc is not None:

        async def via_aatc(n: int) -> float:
            client = aatc.TestClient(ws_app)
            async with client.websocket_connect("/") as ws:
                start = perf()
                for _ in range(n):
                    await ws.send_text("hi")
                    await ws.receive_text()
                elapsed = perf() - start
            return elapsed

        benches["async-asgi-testclient"] = via_aatc

    if starlette_testclient is not None:

        async def via_starlette(n: int) -> float:
            client = starlette_testclient.TestClient(ws_app)
            with client.websocket_connect("/") as ws:
                start = perf()
                for _ in range(n):
                    ws.send_text("hi")
                    ws.receive_text()
                elapsed = perf() - start
            return elapsed

        benches["starlette"] = via_starlette
    return benches


def ws_connect_benches() -> dict[str, Bench]:
    scope = ws_scope()
    benches: dict[str, Bench] = {}

    async def bare(n: int) -> None:
        for _ in range(n):
            messages = iter(
                [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]
            )

            async def receive(messages: Any = messages) -> Any:
                return next(messages)

            async def send(message: Any) -> None:
                pass

            await ws_app(scope, receive, send)

    benches["bare"] = _timed(bare)

    async def floor_task(n: int) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(n):
            inq: asyncio.Queue[Any] = asyncio.Queue()
            outq: asyncio.Queue[Any] = asyncio.Queue()
            task = loop.create_task(ws_app(scope, inq.get, outq.put))
            await inq.put({"type": "websocket.connect"})
            await outq.get()
            await inq.put({"type": "websocket.disconnect", "code": 1000})
            await task

    benches["floor-task"] = _timed(floor_task)

    async def ours(n: int) -> None:
        for _ in range(n):
            communicator = WebsocketCommunicator(ws_app, "/")
            await communicator.connect()
            await communicator.disconnect()

    benches["asgitest"] = _timed(ours)

    if asgiref_testing is not None:

        async def asgiref(n: int) -> None:
            for _ in range(n):
                communicator = asgiref_testing.ApplicationCommunicator(ws_app, scope)
                await communicator.send_input({"type": "websocket.connect"})
                await communicator.receive_output(1)
                await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
                await communicator.wait(1)

        benches["asgiref"] = _timed(asgiref)

    if channels_testing is not None:

        async def channels(n: int) -> None:
            for _ in range(n):
                communicator = channels_testing.WebsocketCommunicator(ws_app, "/")
                await communicator.connect()
                await communicator.disconnect()

        benches["channels"] = _timed(channels)

    if aatc is not None:

        async def via_aatc(n: int) -> None:
            client = aatc.TestClient(ws_app)
            for _ in range(n):
                async with client.websocket_connect("/"):
                    pass

        benches["async-asgi-testclient"] = _timed(via_aatc)

    if starlette_testclient is not None:

        async def via_starlette(n: int) -> None:
            client = starlette_testclient.TestClient(ws_app)
            for _ in range(n):
                with client.websocket_connect("/"):
                    pass

        benches["starlette"] = _timed(via_starlette)
    return benches


def lifespan_benches() -> dict[str, Bench]:
    benches: dict[str, Bench] = {}

    async def bare(n: int) -> None:
        for _ in range(n):
            messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

            async def receive(messages: Any = messages) -> Any:
                return next(messages)

            async def send(message: Any) -> None:
                pass

            await lifespan_app(LIFESPAN_SCOPE, receive, send)

    benches["bare"] = _timed(bare)

    async def floor_task(n: int) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(n):
            inq: asyncio.Queue[Any] = asyncio.Queue()
            outq: asyncio.Queue[Any] = asyncio.Queue()
            task = loop.create_task(lifespan_app(LIFESPAN_SCOPE, inq.get, outq.put))
            await inq.put({"type": "lifespan.startup"})
            await outq.get()
            await inq.put({"type": "lifespan.shutdown"})
            await outq.get()
            await task

    benches["floor-task"] = _timed(floor_task)

    if LifespanCommunicator is not None:

        async def ours(n: int) -> None:
            for _ in range(n):
                async with LifespanCommunicator(lifespan_app):
                    pass

    else:

        async def ours(n: int) -> None:
            for _ in range(n):
                communicator = AsgitestAppComm(lifespan_app, _lifespan_scope())
                await communicator.send_input({"type": "lifespan.startup"})
                await communicator.receive_output()
                await communicator.send_input({"type": "lifespan.shutdown"})
                await communicator.receive_output()
                await communicator.wait()

    benches["asgitest"] = _timed(ours)

    if asgiref_testing is not None:

        async def asgiref(n: int) -> None:
            for _ in range(n):
                communicator = asgiref_testing.ApplicationCommunicator(
                    lifespan_app, _lifespan_scope()
                )
                await communicator.send_input({"type": "lifespan.startup"})
                await communicator.receive_output(1)
                await communicator.send_input({"type": "lifespan.shutdown"})
                await communicator.receive_output(1)
                await communicator.wait(1)

        benches["asgiref"] = _timed(asgiref)

    if asgi_lifespan is not None:

        async def via_asgi_lifespan(n: int) -> None:
            for _ in range(n):
                async with asgi_lifespan.LifespanManager(lifespan_app):
                    pass

        benches["asgi-lifespan"] = _timed(via_asgi_lifespan)

    if aatc is not None:

        async def via_aatc(n: int) -> None:
            for _ in range(n):
                async with aatc.TestClient(lifespan_app):
                    pass

        benches["async-asgi-testclient"] = _timed(via_aatc)

    if starlette_testclient is not None:

        async def via_starlette(n: int) -> None:
            for _ in range(n):
                with starlette_testclient.TestClient(lifespan_app):
                    pass

        benches["starlette-with"] = _timed(via_starlette)
    return benches


def _lifespan_scope() -> dict[str, Any]:
    return {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}


# ====================================================================== trio (asgitest only)


def trio_benches(workload: str) -> dict[str, Bench]:
    import trio

    benches: dict[str, Bench] = {}
    inf = float("inf")

    async def floor_task_generic(
        app: Any, scope: Any, script: list[tuple[Any, int]], n: int
    ) -> float:
        """n times: run app in the nursery, and for each (message, reads) put it and read."""
        start = perf()
        async with trio.open_nursery() as nursery:
            for _ in range(n):
                to_app, app_inbox = trio.open_memory_channel(inf)
                to_test, test_inbox = trio.open_memory_channel(inf)
                done = trio.Event()

                async def run_app(
                    app_inbox: Any = app_inbox, to_test: Any = to_test, done: Any = done
                ) -> None:
                    await app(scope, app_inbox.receive, to_test.send)
                    done.set()

                nursery.start_soon(run_app)
                for message, reads in script:
                    to_app.send_nowait(message)
                    for _ in range(reads):
                        await test_inbox.receive()
                await done.wait()
        return perf() - start

    if workload == "http_get":
        scope = http_scope()
        base = http_benches(http_app, "GET", b"", 2, _check_ok)
        benches["bare"] = base["bare"]

        async def floor(n: int) -> float:
            return await floor_task_generic(http_app, scope, [(GET_REQUEST, 2)], n)

        async def ours(n: int) -> None:
            for _ in range(n):
                async with HttpCommunicator(http_app, "GET", "/") as communicator:
                    await communicator.get_response()

        benches["floor-task-trio"] = floor
        benches["asgitest"] = _timed(ours)
    elif workload == "ws_echo":
        scope = ws_scope()
        benches["bare"] = ws_echo_benches()["bare"]

        async def floor(n: int) -> float:
            to_app, app_inbox = trio.open_memory_channel(inf)
            to_test, test_inbox = trio.open_memory_channel(inf)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(ws_app, scope, app_inbox.receive, to_test.send)
                to_app.send_nowait({"type": "websocket.connect"})
                await test_inbox.receive()
                start = perf()
                for _ in range(n):
                    to_app.send_nowait({"type": "websocket.receive", "text": "hi"})
                    await test_inbox.receive()
                elapsed = perf() - start
                to_app.send_nowait({"type": "websocket.disconnect", "code": 1000})
            return elapsed

        async def ours(n: int) -> float:
            async with WebsocketCommunicator(ws_app, "/") as communicator:
                await communicator.connect()
                start = perf()
                for _ in range(n):
                    await communicator.send_to(text_data="hi")
                    await communicator.receive_from()
                elapsed = perf() - start
                await communicator.disconnect()
            return elapsed

        benches["floor-task-trio"] = floor
        benches["asgitest"] = ours
    elif workload == "ws_connect":
        scope = ws_scope()
        benches["bare"] = ws_connect_benches()["bare"]

        async def floor(n: int) -> float:
            script = [
                ({"type": "websocket.connect"}, 1),
                ({"type": "websocket.disconnect", "code": 1000}, 0),
            ]
            return await floor_task_generic(ws_app, scope, script, n)

        async def ours(n: int) -> None:
            for _ in range(n):
                async with WebsocketCommunicator(ws_app, "/") as communicator:
                    await communicator.connect()
                    await communicator.disconnect()

        benches["floor-task-trio"] = floor
        benches["asgitest"] = _timed(ours)
    elif workload == "lifespan":
        benches["bare"] = lifespan_benches()["bare"]

        async def floor(n: int) -> float:
            script = [({"type": "lifespan.startup"}, 1), ({"type": "lifespan.shutdown"}, 1)]
            return await floor_task_generic(lifespan_app, LIFESPAN_SCOPE, script, n)

        async def ours(n: int) -> None:
            for _ in range(n):
                if LifespanCommunicator is not None:
                    async with LifespanCommunicator(lifespan_app):
                        pass
                else:
                    async with AsgitestAppComm(lifespan_app, _lifespan_scope()) as communicator:
                        await communicator.send_input({"type": "lifespan.startup"})
                        await communicator.receive_output()
                        await communicator.send_input({"type": "lifespan.shutdown"})
                        await communicator.receive_output()
                        await communicator.wait()

        benches["floor-task-trio"] = floor
        benches["asgitest"] = _timed(ours)
    return benches


# ====================================================================== measuring


@dataclass
class Result:
    workload: str
    harness: str
    n: int = 0
    samples: list[float] = field(default_factory=list)  # seconds per operation
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


async def calibrate(bench: Bench, target: float, cap: int) -> int:
    n = 1
    while True:
        elapsed = await bench(n)
        if elapsed >= target / 2 or n >= cap:
            return n
        factor = target / max(elapsed, 1e-7)
        n = min(cap, max(n * 2, int(n * factor)))


async def measure(
    workloads: dict[str, dict[str, Bench]], repeats: int, target: float, cap: int
) -> dict[str, dict[str, Result]]:
    """Calibrate every (workload, harness), then run the repeats round-robin."""
    results: dict[str, dict[str, Result]] = {}
    order: list[tuple[str, str, Bench]] = []
    for workload, benches in workloads.items():
        results[workload] = {}
        for harness, bench in benches.items():
            result = Result(workload, harness)
            results[workload][harness] = result
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result.n = await calibrate(bench, target, cap)
            except Exception as exc:
                result.error = f"{type(exc).__name__}: {exc}"[:120]
                continue
            order.append((workload, harness, bench))
    for repeat in range(repeats):
        shift = repeat % max(len(order), 1)
        for workload, harness, bench in order[shift:] + order[:shift]:
            result = results[workload][harness]
            if result.error:
                continue
            gc.collect()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    elapsed = await bench(result.n)
            except Exception as exc:
                result.error = f"{type(exc).__name__}: {exc}"[:120]
                continue
            result.samples.append(elapsed / result.n)
    return results


# ---------------------------------------------------------------------- scale: K WebSockets


async def scale_run(harness: str, k: int, memory: bool) -> dict[str, float]:
    """Connect k WebSockets (timed), broadcast one message to all (timed), then close all."""
    members.clear()
    scope = ws_scope()
    loop = asyncio.get_running_loop()
    # Start every harness from the same heap: end the current task step first. The event loop
    # keeps the handle that resumed this task (and all it refers to: after floor-task, a
    # gather() over 10,000 finished tasks) until the step ends, and a harness that connects
    # without ever suspending would otherwise carry those objects through every collection.
    await asyncio.sleep(0)
    gc.collect()
    if memory:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    start = perf()
    conns: list[Any] = []
    stack = contextlib.AsyncExitStack()
    if harness in ("floor-task", "floor-task-nogc"):
        for _ in range(k):
            inq: asyncio.Queue[Any] = asyncio.Queue()
            outq: asyncio.Queue[Any] = asyncio.Queue()
            task = loop.create_task(broadcast_app(scope, inq.get, outq.put))
            await inq.put({"type": "websocket.connect"})
            await outq.get()
            conns.append((inq, outq, task))
    elif harness == "asgitest":
        for _ in range(k):
            communicator = WebsocketCommunicator(broadcast_app, "/")
            await communicator.connect()
            conns.append(communicator)
    elif harness == "asgiref":
        for _ in range(k):
            communicator = asgiref_testing.ApplicationCommunicator(broadcast_app, ws_scope())
            await communicator.send_input({"type": "websocket.connect"})
            await communicator.receive_output(1)
            conns.append(communicator)
    elif harness == "channels":
        for _ in range(k):
            communicator = channels_testing.WebsocketCommunicator(broadcast_app, "/")
            await communicator.connect()
            conns.append(communicator)
    elif harness == "async-asgi-testclient":
        client = aatc.TestClient(broadcast_app)
        for _ in range(k):
            conns.append(await stack.enter_async_context(client.websocket_connect("/")))
    connect = perf() - start
    per_conn = 0.0
    if memory:
        per_conn = (tracemalloc.get_traced_memory()[0] - base) / k
        tracemalloc.stop()
    # The broadcast: the server side pushes one frame into every connection; every client reads it.
    start = perf()
    frame = {"type": "websocket.send", "text": "news"}
    for send in members:
        await send(frame)
    if harness.startswith("floor-task"):
        for _, outq, _ in conns:
            await outq.get()
    elif harness in ("asgitest", "channels"):
        for communicator in conns:
            await communicator.receive_from()
    elif harness == "asgiref":
        for communicator in conns:
            await communicator.receive_output(1)
    else:
        for ws in conns:
            await ws.receive_text()
    broadcast = perf() - start
    # Close everything (not timed).
    if harness.startswith("floor-task"):
        for inq, _, _ in conns:
            await inq.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.gather(*(task for _, _, task in conns))
    elif harness in ("asgitest", "channels"):
        for communicator in conns:
            await communicator.disconnect()
    elif harness == "asgiref":
        for communicator in conns:
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        for communicator in conns:
            await communicator.wait(5)
    else:
        await stack.aclose()
    conns.clear()
    members.clear()
    return {"connect": connect, "broadcast": broadcast, "bytes_per_conn": per_conn}


async def measure_scale(k: int, repeats: int, harnesses: list[str], slow: int) -> dict[str, Any]:
    """Round-robin repeats; the peers not in the issue's comparison run only ``slow`` times."""
    out: dict[str, Any] = {}
    for harness in harnesses:
        out[harness] = {"connect": [], "broadcast": [], "bytes_per_conn": None, "error": None}
    for repeat in range(repeats):
        for harness in harnesses[repeat % len(harnesses) :] + harnesses[: repeat % len(harnesses)]:
            entry = out[harness]
            if entry["error"]:
                continue
            if harness in ("channels", "async-asgi-testclient") and len(entry["connect"]) >= slow:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if harness == "floor-task-nogc":
                        gc.disable()
                    try:
                        run = await scale_run(harness, k, memory=False)
                    finally:
                        gc.enable()
            except Exception as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}"[:120]
                continue
            entry["connect"].append(run["connect"])
            entry["broadcast"].append(run["broadcast"])
    for harness in harnesses:
        entry = out[harness]
        if entry["error"] or harness == "floor-task-nogc":
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                entry["bytes_per_conn"] = (await scale_run(harness, k, memory=True))[
                    "bytes_per_conn"
                ]
        except Exception as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"[:120]
    return out


# ---------------------------------------------------------------------- fixed costs


async def fixed_costs(samples: int, slow_samples: int) -> dict[str, Any]:
    """Per-call costs that are about latency, not throughput (milliseconds)."""
    out: dict[str, Any] = {}

    async def many(label: str, fn: Callable[[], Awaitable[float]], count: int) -> None:
        values = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(count):
                    values.append(await fn())
        except Exception as exc:
            out[label] = {"error": f"{type(exc).__name__}: {exc}"[:120]}
            return
        out[label] = {
            "ms": statistics.median(values) * 1000,
            "min": min(values) * 1000,
            "max": max(values) * 1000,
            "n": count,
        }

    # receive_nothing() while a message is already pending: must return at once (False).
    async def nothing_ours() -> float:
        communicator = WebsocketCommunicator(ws_app, "/")
        await communicator.send_input({"type": "websocket.connect"})
        await communicator.receive_nothing(0)  # the accept is now pending
        start = perf()
        for _ in range(100):
            if await communicator.receive_nothing():
                raise AssertionError("receive_nothing() missed the pending message")
        elapsed = (perf() - start) / 100
        await communicator.receive_output()
        await communicator.disconnect()
        return elapsed

    await many("receive_nothing() pending: asgitest", nothing_ours, samples)
    if channels_testing is not None:

        async def nothing_channels() -> float:
            communicator = channels_testing.WebsocketCommunicator(ws_app, "/")
            await communicator.send_input({"type": "websocket.connect"})
            await asyncio.sleep(0.001)
            start = perf()
            for _ in range(100):
                if await communicator.receive_nothing():
                    raise AssertionError("missed")
            elapsed = (perf() - start) / 100
            await communicator.receive_output()
            await communicator.disconnect()
            return elapsed

        await many("receive_nothing() pending: channels", nothing_channels, samples)

    # A failing wait: Timeout with timeout=0.01; the overhead above the 10 ms.
    async def timeout_ours() -> float:
        communicator = WebsocketCommunicator(ws_app, "/")
        await communicator.connect()
        start = perf()
        try:
            await communicator.receive_from(timeout=0.01)
        except asgitest.Timeout:
            elapsed = perf() - start
        else:
            raise AssertionError("no Timeout")
        await communicator.disconnect()
        return elapsed - 0.01

    await many("failing wait (timeout=0.01) overhead: asgitest", timeout_ours, samples)
    if channels_testing is not None:

        async def timeout_channels() -> float:
            communicator = channels_testing.WebsocketCommunicator(ws_app, "/")
            await communicator.connect()
            start = perf()
            try:
                await communicator.receive_from(timeout=0.01)
            except TimeoutError:
                elapsed = perf() - start
            else:
                raise AssertionError("no timeout")
            with contextlib.suppress(BaseException):  # channels cancelled the app on timeout
                await communicator.disconnect()
            return elapsed - 0.01

        await many("failing wait (timeout=0.01) overhead: channels", timeout_channels, samples)

    # An app that raises at once: how long until the test sees it (default timeouts).
    async def crash_ours() -> float:
        start = perf()
        try:
            await HttpCommunicator(crash_app, "GET", "/").get_response()
        except ValueError:
            return perf() - start
        raise AssertionError("not raised")

    await many("app raises at once, reported after: asgitest", crash_ours, samples)
    if channels_testing is not None:

        async def crash_channels() -> float:
            start = perf()
            try:
                await channels_testing.HttpCommunicator(crash_app, "GET", "/").get_response()
            except ValueError:
                return perf() - start
            raise AssertionError("not raised")

        await many("app raises at once, reported after: channels", crash_channels, slow_samples)
    if httpx is not None:

        async def crash_httpx() -> float:
            transport = httpx.ASGITransport(app=crash_app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                start = perf()
                try:
                    await client.get("/")
                except ValueError:
                    return perf() - start
            raise AssertionError("not raised")

        await many("app raises at once, reported after: httpx", crash_httpx, samples)
    if asgiref_testing is not None:

        async def crash_asgiref() -> float:
            start = perf()
            communicator = asgiref_testing.ApplicationCommunicator(crash_app, http_scope())
            await communicator.send_input(GET_REQUEST)
            try:
                await communicator.receive_output(1)
            except ValueError:
                return perf() - start
            raise AssertionError("not raised")

        await many("app raises at once, reported after: asgiref", crash_asgiref, slow_samples)

    # Can a streaming test read the first chunk while the app is still running?
    async def first_chunk_ours() -> float:
        communicator = HttpCommunicator(gated_stream_app, "GET", "/")
        await communicator.send_input(GET_REQUEST)
        await communicator.receive_output(1)
        chunk = await communicator.receive_output(1)
        if chunk["body"] != CHUNK or communicator.future.done():
            raise AssertionError("first chunk not readable before the app finished")
        await communicator.aclose()
        return 0.0

    await many("first chunk readable before the app finishes: asgitest", first_chunk_ours, 1)

    # POST 1 MiB: does either body get copied on the way through asgitest?
    communicator = HttpCommunicator(post_app, "POST", "/", REQUEST_1MIB)
    response = await communicator.get_response()
    out["POST 1 MiB: bodies copied by asgitest"] = {
        "request": received_bodies[0] is not REQUEST_1MIB,
        "response": response["body"] is not RESPONSE_1MIB,
    }
    return out


def conversation_memory(rounds: list[int]) -> dict[int, float]:
    """Bytes still held after N WebSocket round trips (must be flat: the transcript is bounded)."""

    async def one(count: int) -> float:
        communicator = WebsocketCommunicator(ws_app, "/")
        await communicator.connect()
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(count):
            await communicator.send_to(text_data="hi")
            await communicator.receive_from()
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        await communicator.disconnect()
        return used

    out = {}
    for count in rounds:
        out[count] = asyncio.run(one(count))
    return out


# ---------------------------------------------------------------------- import time


def import_times(count: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    modules = [
        "asyncio",
        "asgitest",
        "channels.testing",
        "httpx",
        "starlette.testclient",
        "async_asgi_testclient",
        "asgi_lifespan",
        "asgiref.testing",
    ]
    out: dict[str, Any] = {}

    def wall(code: str) -> float:
        start = perf()
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        return perf() - start

    baseline = statistics.median(wall("pass") for _ in range(count))
    out["(interpreter start)"] = {"wall_ms": baseline * 1000}
    for module in modules:
        top = module.split(".")[0]
        if _try_import(module, peer=False) is None:
            continue
        walls, cumulative, own = [], [], []
        pulls_pytest = False
        for _ in range(count):
            code = f"import {module}, sys; print('pytest' in sys.modules)"
            start = perf()
            done = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", code],
                env=env,
                capture_output=True,
                text=True,
            )
            walls.append(perf() - start)
            pulls_pytest = done.stdout.strip() == "True"
            total = mine = 0
            for line in done.stderr.splitlines():
                match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
                if match and match.group(4).split(".")[0] == top:
                    mine += int(match.group(1))  # self time of the package's own modules
                    if len(match.group(3)) == 1:
                        total += int(match.group(2))  # top-level imports of this package
            cumulative.append(total)
            own.append(mine)
        out[module] = {
            "importtime_ms": statistics.median(cumulative) / 1000,
            "own_ms": statistics.median(own) / 1000,
            "wall_ms": (statistics.median(walls) - baseline) * 1000,
            "imports_pytest": pulls_pytest,
        }
    return out


# ====================================================================== reporting


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.2f} us"
    if seconds < 1:
        return f"{seconds * 1e3:,.3f} ms"
    return f"{seconds:,.3f} s"


def fmt_ratio(x: float) -> str:
    return f"{x:,.2f}x" if x < 100 else f"{x:,.0f}x"


WORKLOAD_TITLES = {
    "http_get": "HTTP GET, 2-byte body (per request)",
    "http_post_1mib": "POST 1 MiB up + 1 MiB down (per request)",
    "stream_1000x100": "response streamed as 1000 x 100-byte chunks (per response)",
    "ws_echo": "WebSocket echo round trip (per round trip)",
    "ws_connect": "WebSocket connect + disconnect (per cycle)",
    "lifespan": "lifespan startup + shutdown (per cycle)",
}


def table(
    results: dict[str, dict[str, Result]], floor_name: str = "floor-task", prefix: str = ""
) -> str:
    lines = []
    for workload, by_harness in results.items():
        lines.append(f"\n### {prefix}{workload}: {WORKLOAD_TITLES.get(workload, workload)}\n")
        lines.append(f"| harness | median | min | max | x bare | x {floor_name} | n x repeats |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        bare = by_harness.get("bare")
        floor = by_harness.get(floor_name)
        ok = [r for r in by_harness.values() if r.samples and not r.error]
        for r in sorted(ok, key=lambda r: r.median):
            xb = fmt_ratio(r.median / bare.median) if bare and bare.samples else "-"
            xf = fmt_ratio(r.median / floor.median) if floor and floor.samples else "-"
            name = f"**{r.harness}**" if r.harness.startswith("asgitest") else r.harness
            lines.append(
                f"| {name} | {fmt_time(r.median)} | {fmt_time(min(r.samples))} | "
                f"{fmt_time(max(r.samples))} | {xb} | {xf} | {r.n} x {len(r.samples)} |"
            )
        for r in by_harness.values():
            if r.error:
                lines.append(f"| {r.harness} | failed: {r.error} | | | | | |")
    return "\n".join(lines)


def scale_table(scale: dict[int, dict[str, Any]]) -> str:
    lines = [
        "\n### K concurrent WebSockets: connect all, then one broadcast received by all\n",
        "| K | harness | connect all (median) | per conn | x floor-task "
        "| broadcast (median) | x floor-task | memory per conn |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for k, by_harness in scale.items():
        floor = by_harness.get("floor-task", {})
        fc = statistics.median(floor["connect"]) if floor.get("connect") else None
        fb = statistics.median(floor["broadcast"]) if floor.get("broadcast") else None
        for harness, entry in by_harness.items():
            if entry.get("error"):
                lines.append(f"| {k:,} | {harness} | failed: {entry['error']} | | | | | |")
                continue
            if not entry["connect"]:
                continue
            c = statistics.median(entry["connect"])
            b = statistics.median(entry["broadcast"])
            mem = entry["bytes_per_conn"]
            name = f"**{harness}**" if harness == "asgitest" else harness
            lines.append(
                f"| {k:,} | {name} | {fmt_time(c)} | {fmt_time(c / k)} | "
                f"{fmt_ratio(c / fc) if fc else '-'} | {fmt_time(b)} | "
                f"{fmt_ratio(b / fb) if fb else '-'} | "
                f"{f'{mem / 1024:.1f} KiB' if mem is not None else '-'} |"
            )
    return "\n".join(lines)


def fixed_table(fixed: dict[str, Any]) -> str:
    lines = [
        "\n### Fixed costs (per call)\n",
        "| what | median | min | max | samples |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, entry in fixed.items():
        if "error" in entry:
            lines.append(f"| {label} | failed: {entry['error']} | | | |")
        elif label.startswith("POST"):
            lines.append(
                f"| {label} | request: {'yes' if entry['request'] else 'no'}, "
                f"response: {'yes' if entry['response'] else 'no'} | | | |"
            )
        elif label.startswith("first chunk"):
            lines.append(f"| {label} | yes | | | |")
        else:
            lines.append(
                f"| {label} | {fmt_time(entry['ms'] / 1000)} | {fmt_time(entry['min'] / 1000)} | "
                f"{fmt_time(entry['max'] / 1000)} | {entry['n']} |"
            )
    return "\n".join(lines)


def import_table(imports: dict[str, Any]) -> str:
    lines = [
        "\n### Import in a fresh interpreter\n",
        "| module | -X importtime (cumulative) | its own modules (self) "
        "| wall time above `python -c pass` | imports pytest |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for module, entry in imports.items():
        if module.startswith("("):
            lines.append(f"| {module} | | | {entry['wall_ms']:.1f} ms (absolute) | |")
            continue
        name = f"**{module}**" if module == "asgitest" else module
        lines.append(
            f"| {name} | {entry['importtime_ms']:.1f} ms | {entry['own_ms']:.1f} ms | "
            f"{entry['wall_ms']:.1f} ms | "
            f"{'yes' if entry['imports_pytest'] else 'no'} |"
        )
    return "\n".join(lines)


def targets(
    results: dict[str, dict[str, Result]],
    scale: dict[int, Any],
    fixed: dict[str, Any],
    imports: dict[str, Any],
) -> tuple[str, list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []

    def ratio(workload: str, harness: str, floor: str = "floor-task") -> float | None:
        by = results.get(workload, {})
        a, b = by.get(harness), by.get(floor)
        if a and b and a.samples and b.samples:
            return a.median / b.median
        return None

    def add(what: str, target: str, value: str, met: bool | None) -> None:
        rows.append(
            {
                "workload": what,
                "target": target,
                "measured": value,
                "met": None if met is None else bool(met),
            }
        )

    for workload, limit, what in [
        ("http_get", 2.5, "HTTP GET per request"),
        ("stream_1000x100", 3.0, "1000-chunk streamed response"),
        ("ws_echo", 1.5, "WebSocket echo round trip"),
        ("ws_connect", 1.5, "WebSocket connect+disconnect"),
        ("lifespan", 1.5, "lifespan startup+shutdown"),
    ]:
        r = ratio(workload, "asgitest")
        add(
            what,
            f"<= {limit}x floor-task",
            f"{r:.2f}x" if r else "n/a",
            None if r is None else r <= limit,
        )
    r = ratio("http_post_1mib", "asgitest", "asgiref")
    copy = fixed.get("POST 1 MiB: bodies copied by asgitest", {})
    copied = bool(copy.get("request") or copy.get("response"))
    add(
        "POST 1 MiB up + 1 MiB down",
        "no copy; <= 1.2x asgiref",
        f"{r:.2f}x asgiref, bodies {'COPIED' if copied else 'not copied'}" if r else "n/a",
        None if r is None else (r <= 1.2 and not copied),
    )
    big = max(scale) if scale else None
    if big is not None:
        ours, floor = scale[big].get("asgitest", {}), scale[big].get("floor-task", {})
        if ours.get("connect") and floor.get("connect"):
            rc = statistics.median(ours["connect"]) / statistics.median(floor["connect"])
            rb = statistics.median(ours["broadcast"]) / statistics.median(floor["broadcast"])
            mem = (ours["bytes_per_conn"] or 0) / 1024
            add(
                f"{big:,} concurrent WebSockets",
                "connect <= 1.0x; <= 10 KiB/conn; broadcast <= 2x",
                f"connect {rc:.2f}x, {mem:.1f} KiB/conn, broadcast {rb:.2f}x",
                rc <= 1.0 and mem <= 10 and rb <= 2,
            )
    crash = fixed.get("app raises at once, reported after: asgitest", {})
    if "ms" in crash:
        add(
            "app that raises at once",
            "reported in <= 5 ms",
            f"{crash['ms']:.3f} ms",
            crash["ms"] <= 5,
        )
    nothing = fixed.get("receive_nothing() pending: asgitest", {})
    if "ms" in nothing:
        add(
            "receive_nothing() with output pending",
            "returns at once",
            f"{nothing['ms'] * 1000:.1f} us",
            nothing["ms"] < 1,
        )
    imp = imports.get("asgitest")
    if imp:
        add(
            "import asgitest",
            "<= 25 ms, no pytest",
            f"{imp['importtime_ms']:.1f} ms (importtime; {imp['own_ms']:.1f} ms in asgitest's "
            "own modules, "
            f"the rest is stdlib, mostly asyncio), {imp['wall_ms']:.1f} ms wall; pytest "
            f"{'imported' if imp['imports_pytest'] else 'not imported'}",
            imp["importtime_ms"] <= 25 and not imp["imports_pytest"],
        )
    lines = [
        "\n### Targets (issue #8), asgitest with checker and transcript on\n",
        "| workload | target | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "?"}[row["met"]]
        lines.append(f"| {row['workload']} | {row['target']} | {row['measured']} | {met} |")
    return "\n".join(lines), rows


def chart(
    path: str,
    results: dict[str, dict[str, Result]],
    trio_results: dict[str, dict[str, Result]] | None,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = list(results)
    fig, axes = plt.subplots(len(workloads), 1, figsize=(8, 2.0 + 1.1 * len(workloads) * 2.2 / 2))
    fig.set_size_inches(8, 1.6 * len(workloads) + 2.5)
    for ax, workload in zip(axes, workloads, strict=False):
        by = results[workload]
        floor = by.get("floor-task")
        rows = [r for r in by.values() if r.samples and r.harness not in ("bare", "floor-task")]
        rows.sort(key=lambda r: r.median)
        names = [r.harness for r in rows]
        ratios = [r.median / floor.median for r in rows] if floor and floor.samples else []
        colors = ["#2a7ab9" if n.startswith("asgitest") else "#b0b0b0" for n in names]
        ax.barh(names, ratios, color=colors)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.invert_yaxis()
        ax.set_title(WORKLOAD_TITLES.get(workload, workload), fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        for y, value in enumerate(ratios):
            ax.text(value, y, f" {fmt_ratio(value)}", va="center", fontsize=7)
    axes[-1].set_xlabel(
        "time relative to floor-task (app in an asyncio task + two asyncio.Queues); "
        "log scale, lower is better"
    )
    fig.suptitle("asgitest vs peers (median of interleaved repeats)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ====================================================================== main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a shorter run (< 1 minute)")
    parser.add_argument("--trio", action="store_true", help="also run asgitest's workloads on trio")
    parser.add_argument("--json", metavar="PATH", help="write all figures as JSON")
    parser.add_argument(
        "--chart", metavar="PATH", help="draw a PNG chart (needs matplotlib: the `bench` extra)"
    )
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="asgitest and the floors only (no peer imported, so no Django in the process)",
    )
    parser.add_argument(
        "--only", metavar="WORKLOADS", help="comma-separated workloads (default: all)"
    )
    parser.add_argument("--repeats", type=int, help="repeats per figure (default 7, --quick 5)")
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (5 if quick else 7)
    target = 0.02 if quick else 0.05
    began = perf()

    checker = checker_status()
    header = [
        f"asgitest {asgitest.__version__} benchmarks ({'quick' if quick else 'default'} run)",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs; asyncio default loop",
        f"asgitest spec checker: {checker}; transcript: on (default size)",
        f"Django imported in this process: {'yes' if 'django' in sys.modules else 'no'} "
        "(when it is, asgitest "
        "turns Django's close_old_connections signal receivers off while an app runs, and back "
        "on after)",
        "asgitest LifespanCommunicator: "
        + (
            "yes"
            if LifespanCommunicator is not None
            else "not importable; lifespan driven with ApplicationCommunicator by hand"
        ),
        "peers: "
        + ", ".join(
            f"{name} {'yes' if mod is not None else 'not installed'}"
            for name, mod in [
                ("channels", channels_testing),
                ("asgiref", asgiref_testing),
                ("httpx", httpx),
                ("starlette", starlette_testclient),
                ("async-asgi-testclient", aatc),
                ("asgi-lifespan", asgi_lifespan),
            ]
        ),
        f"{repeats} interleaved repeats per figure, each ~{target * 1000:.0f} ms of work; medians",
    ]
    print("\n".join(header), flush=True)

    factories: dict[str, Callable[[], dict[str, Bench]]] = {
        "http_get": lambda: http_benches(http_app, "GET", b"", 2, _check_ok),
        "http_post_1mib": lambda: http_benches(post_app, "POST", REQUEST_1MIB, 2, _check_post),
        "clients_get": clients_get_benches,
        "stream_1000x100": stream_benches,
        "ws_echo": ws_echo_benches,
        "ws_connect": ws_connect_benches,
        "lifespan": lifespan_benches,
    }
    only = set(args.only.split(",")) if args.only else None
    chosen = {name: f for name, f in factories.items() if only is None or name in only}
    cap = 20_000 if quick else 100_000

    async def main_async() -> tuple[Any, Any, Any]:
        results = await measure({name: f() for name, f in chosen.items()}, repeats, target, cap)
        scale: dict[int, Any] = {}
        if only is None or "scale" in only:
            peers = ["floor-task", "asgitest", "asgiref", "channels", "async-asgi-testclient"]
            peers = [
                p
                for p in peers
                if p in ("floor-task", "asgitest")
                or {
                    "asgiref": asgiref_testing,
                    "channels": channels_testing,
                    "async-asgi-testclient": aatc,
                }[p]
                is not None
            ]
            sizes = [1000] if quick else [1000, 10_000]
            for k in sizes:
                extra = ["floor-task-nogc"] if k >= 10_000 else []
                slow = 5 if k < 10_000 and not quick else 2 if not quick else 1
                scale[k] = await measure_scale(k, 3 if quick else 5, peers + extra, slow)
        fixed = {}
        if only is None or "fixed" in only:
            fixed = await fixed_costs(5 if quick else 15, 1 if quick else 3)
        return results, scale, fixed

    results, scale, fixed = asyncio.run(main_async())

    trio_results = None
    if args.trio:
        import trio

        async def trio_main() -> Any:
            return await measure(
                {
                    w: trio_benches(w)
                    for w in ("http_get", "ws_echo", "ws_connect", "lifespan")
                    if only is None or w in only
                },
                repeats,
                target,
                cap,
            )

        trio_results = trio.run(trio_main)

    imports = import_times(3 if quick else 7) if only is None or "import" in only else {}
    memory = (
        conversation_memory([1000, 10_000] if quick else [1000, 20_000])
        if only is None or "memory" in only
        else {}
    )

    text = table(results)
    if trio_results:
        text += (
            "\n\nOn trio (asgitest only; floor-task-trio = the app in a nursery task + two "
            "trio memory channels):\n"
        )
        text += table(trio_results, "floor-task-trio", "trio ")
    if scale:
        text += "\n" + scale_table(scale)
    if fixed:
        text += "\n" + fixed_table(fixed)
    if imports:
        text += "\n" + import_table(imports)
    if memory:
        text += (
            "\n\n### Memory held after a long conversation (WebSocket echo, transcript "
            "bounded at 1000)\n\n"
        )
        text += "| round trips | bytes still held |\n| ---: | ---: |\n"
        text += "\n".join(
            f"| {count:,} | {size / 1024:,.1f} KiB |" for count, size in memory.items()
        )
    target_text, target_rows = targets(results, scale, fixed, imports)
    text += "\n" + target_text
    elapsed = perf() - began
    text += f"\n\n(run took {elapsed:.0f} s)"
    print(text)

    if args.json:
        payload = {
            "header": header,
            "results": {
                w: {
                    h: {
                        "n": r.n,
                        "samples": r.samples,
                        "error": r.error,
                        "median": r.median if r.samples else None,
                    }
                    for h, r in by.items()
                }
                for w, by in results.items()
            },
            "trio": {
                w: {h: {"n": r.n, "samples": r.samples, "error": r.error} for h, r in by.items()}
                for w, by in (trio_results or {}).items()
            },
            "scale": {str(k): v for k, v in scale.items()},
            "fixed": fixed,
            "imports": imports,
            "conversation_memory": {str(k): v for k, v in memory.items()},
            "targets": target_rows,
            "seconds": elapsed,
        }
        Path(args.json).write_text(json.dumps(payload, indent=1))
    if args.chart:
        chart(args.chart, results, trio_results)
        print(f"chart written to {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
