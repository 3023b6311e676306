"""Examples for docs/guide/lifespan.md (pytest runs this file)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from asgitest import LifespanCommunicator, LifespanStartupFailed, TestApp, Timeout

pytestmark = pytest.mark.anyio


# --8<-- [start:app]
@asynccontextmanager
async def lifespan(app):
    pool = {"connected": True}  # open your database pool here
    yield {"pool": pool}  # becomes the lifespan state
    pool["connected"] = False  # ...and close it here


async def health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok" if request.state.pool["connected"] else "down")


app = Starlette(routes=[Route("/health", health)], lifespan=lifespan)
# --8<-- [end:app]


# --8<-- [start:communicator]
async def test_lifespan_state():
    async with LifespanCommunicator(app) as lifespan:
        assert lifespan.supported
        pool = lifespan.state["pool"]
        assert pool["connected"]
    assert not pool["connected"]  # shutdown ran when the block ended


# --8<-- [end:communicator]


# --8<-- [start:testapp]
async def test_route_reads_lifespan_state():
    async with TestApp(app) as client:  # startup here, shutdown at the end
        async with client.http("GET", "/health") as request:
            response = await request.get_response()
        assert response.text == "ok"


# --8<-- [end:testapp]


# --8<-- [start:failed]
async def refuses_to_start(scope, receive, send):
    await receive()  # "lifespan.startup"
    await send({"type": "lifespan.startup.failed", "message": "db down"})


async def test_startup_failure_carries_the_message():
    with pytest.raises(LifespanStartupFailed) as info:
        async with LifespanCommunicator(refuses_to_start):
            pass
    assert info.value.message == "db down"


# --8<-- [end:failed]


# --8<-- [start:modes]
async def http_only_app(scope, receive, send):
    if scope["type"] != "http":  # what Django's handler does
        raise ValueError(f"cannot handle {scope['type']!r}")
    # ... serve the HTTP request


async def test_app_without_lifespan():
    async with LifespanCommunicator(http_only_app) as lifespan:  # lifespan="auto"
        assert lifespan.supported is False  # carried on, as uvicorn does

    with pytest.raises(LifespanStartupFailed, match="does not support the lifespan"):
        async with LifespanCommunicator(http_only_app, lifespan="on"):
            pass


# --8<-- [end:modes]


# --8<-- [start:timeout]
async def never_ready(scope, receive, send):
    await receive()
    await receive()  # forgot to send "lifespan.startup.complete"


async def test_startup_timeout():
    with pytest.raises(Timeout, match='waiting for "lifespan.startup.complete"'):
        async with LifespanCommunicator(never_ready, timeout=0.1):
            pass


# --8<-- [end:timeout]
