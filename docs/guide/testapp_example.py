"""Examples for docs/guide/testapp.md (pytest runs this file)."""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from asgitest import TestApp

pytestmark = pytest.mark.anyio


# --8<-- [start:app]
@asynccontextmanager
async def lifespan(app):
    yield {"room": set()}  # the lifespan state: one chat room shared by all connections


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse({"user": request.headers.get("x-user"), "online": len(request.state.room)})


async def chat(websocket: WebSocket) -> None:
    room = websocket.state.room  # the same set in every connection: a shallow copy
    await websocket.accept()
    room.add(websocket)
    try:
        async for text in websocket.iter_text():
            for member in list(room):
                await member.send_text(text)
    finally:
        room.discard(websocket)


app = Starlette(routes=[Route("/whoami", whoami), WebSocketRoute("/chat", chat)], lifespan=lifespan)
# --8<-- [end:app]


# --8<-- [start:defaults]
async def test_defaults_apply_to_every_request():
    async with TestApp(app, headers={"x-user": "alice"}, timeout=2) as client:
        async with client.http("GET", "/whoami") as request:
            response = await request.get_response()
        assert response.json() == {"user": "alice", "online": 0}

        # per-call headers replace the default of the same name
        async with client.http("GET", "/whoami", headers={"x-user": "bob"}) as request:
            assert (await request.get_response()).json()["user"] == "bob"


# --8<-- [end:defaults]


# --8<-- [start:chat]
async def test_two_clients_chat():
    async with TestApp(app) as client:
        async with client.websocket("/chat") as alice, client.websocket("/chat") as bob:
            await alice.connect()
            await bob.connect()
            await alice.send_to(text_data="hi bob")
            assert await bob.receive_from() == "hi bob"
            assert await alice.receive_from() == "hi bob"

            # an HTTP request while both sockets are open
            async with client.http("GET", "/whoami") as request:
                assert (await request.get_response()).json()["online"] == 2


# --8<-- [end:chat]


# --8<-- [start:broadcast]
async def test_fifty_clients_get_one_broadcast():
    async with TestApp(app) as client, AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(client.websocket("/chat")) for _ in range(50)]
        for socket in sockets:
            await socket.connect()
        await sockets[0].send_to(text_data="hello, everyone")
        for socket in sockets:
            assert await socket.receive_from() == "hello, everyone"


# --8<-- [end:broadcast]


# --8<-- [start:manual]
async def test_manual_lifespan():
    client = TestApp(app)
    await client.startup()
    try:
        assert client.state["room"] == set()
        async with client.http("GET", "/whoami") as request:
            assert (await request.get_response()).status == 200
    finally:
        await client.aclose()  # closes open communicators, then shuts the lifespan down


# --8<-- [end:manual]
