"""Examples for docs/guide/live-server.md (pytest runs this file)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.sync.client import connect

from asgitest import LiveServer, LiveServerError

# --8<-- [start:app]
FEATURES = {"beta": False}


@asynccontextmanager
async def lifespan(app):
    yield {"greeting": "hello"}


async def home(request: Request) -> PlainTextResponse:
    beta = " (beta)" if FEATURES["beta"] else ""
    return PlainTextResponse(request.state.greeting + beta)


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


app = Starlette(routes=[Route("/", home), WebSocketRoute("/echo", echo)], lifespan=lifespan)
# --8<-- [end:app]


# --8<-- [start:basic]
def test_over_real_sockets():
    with LiveServer(app) as server:  # uvicorn in a thread, on a free loopback port
        assert httpx.get(server.url + "/").text == "hello"
        with connect(server.ws_url + "/echo") as websocket:
            websocket.send("ping")
            assert websocket.recv(timeout=5) == "ping"
    # Left the block: lifespan shutdown ran and the port is closed, even if the test failed.


# --8<-- [end:basic]


# --8<-- [start:shared]
def test_thread_mode_shares_the_process(monkeypatch):
    monkeypatch.setitem(FEATURES, "beta", True)  # the server thread sees it
    with LiveServer(app, server="hypercorn") as server:
        assert httpx.get(server.url + "/").text == "hello (beta)"


# --8<-- [end:shared]


# --8<-- [start:async]
@pytest.mark.anyio
async def test_async_with():
    async with LiveServer(app) as server, httpx.AsyncClient() as client:
        response = await client.get(server.url + "/")
    assert response.text == "hello"


# --8<-- [end:async]


# --8<-- [start:subprocess]
def test_in_a_subprocess():
    # An import string: the child process imports the app itself.
    with LiveServer("live_server_example:app", mode="subprocess") as server:
        assert httpx.get(server.url + "/").text == "hello"


# --8<-- [end:subprocess]


# --8<-- [start:granian]
def test_under_granian():
    # granian runs only in a subprocess: an import string, as for daphne.
    with LiveServer("live_server_example:app", server="granian") as server:
        assert httpx.get(server.url + "/").text == "hello"
        with connect(server.ws_url + "/echo") as websocket:
            websocket.send("ping")
            assert websocket.recv(timeout=5) == "ping"


# --8<-- [end:granian]


# --8<-- [start:failure]
async def broken_startup(scope, receive, send):
    await receive()  # lifespan.startup
    await send({"type": "lifespan.startup.failed", "message": "no database"})


def test_startup_failure_shows_the_server_output():
    with pytest.raises(LiveServerError) as caught:
        LiveServer(broken_startup).start()
    assert "lifespan startup failed" in str(caught.value)
    assert "no database" in caught.value.output


# --8<-- [end:failure]


# --8<-- [start:fixtures]
@pytest.fixture
def asgi_app():  # the app asgi_live_server serves
    return app


def test_with_the_fixture(asgi_live_server):
    assert httpx.get(asgi_live_server.url + "/").text == "hello"


def test_with_the_factory(asgi_live_server_factory):
    server = asgi_live_server_factory(app, server="hypercorn", lifespan="on")
    assert httpx.get(server.url + "/").text == "hello"


# --8<-- [end:fixtures]
