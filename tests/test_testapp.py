"""TestApp against raw ASGI apps: defaults, lifespan state in scopes, many connections at once."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

import pytest

from asgitest import (
    HttpCommunicator,
    LifespanCommunicator,
    LifespanStartupFailed,
    TestApp,
    UsageError,
    WebsocketCommunicator,
)

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------------- apps


async def _lifespan(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            scope["state"]["db"] = "connected"
            scope["state"]["hits"] = []
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return


async def echo_scope_app(scope, receive, send):
    """Answers every HTTP request and WebSocket connection with parts of its scope as JSON."""
    if scope["type"] == "lifespan":
        await _lifespan(scope, receive, send)
        return
    state = scope.get("state")
    if state is not None:
        state["mine"] = True  # a copy per connection: must not leak into the lifespan state
    seen = {
        "has_state": state is not None,
        "state": {k: v for k, v in (state or {}).items() if k != "hits"},
        "headers": [[n.decode(), v.decode()] for n, v in scope["headers"]],
        "scheme": scope["scheme"],
        "root_path": scope["root_path"],
        "client": list(scope["client"]),
        "server": list(scope["server"]),
    }
    if state is not None:
        state["hits"].append(scope["type"])  # the shallow copy shares the values
    body = json.dumps(seen).encode()
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})
    else:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": body.decode()})
        while (await receive())["type"] != "websocket.disconnect":
            pass


def make_chat_app():
    """A raw chat app: every WebSocket joins one room; text is broadcast to the whole room;
    ``POST /announce`` broadcasts its body and answers how many clients it reached."""
    room: set = set()

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await _lifespan(scope, receive, send)
            return
        if scope["type"] == "http":
            message = await receive()
            for member in list(room):
                await member({"type": "websocket.send", "text": message["body"].decode()})
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": str(len(room)).encode()})
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        room.add(send)
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                for member in list(room):
                    await member({"type": "websocket.send", "text": message["text"]})
        finally:
            room.discard(send)

    app.room = room  # type: ignore[attr-defined]
    return app


# ---------------------------------------------------------------------- defaults


class TestDefaults:
    async def test_http_carries_the_defaults(self):
        app = TestApp(
            echo_scope_app,
            headers={"Authorization": "Bearer t", "accept": "text/plain"},
            client=("10.0.0.1", 1234),
            server=("example.org", 443),
            root_path="/api",
            scheme="https",
        )
        communicator = app.http("GET", "/api/x", headers=[(b"accept", b"application/json")])
        assert isinstance(communicator, HttpCommunicator)
        async with communicator:
            seen = (await communicator.get_response()).json()
        assert seen["headers"] == [["authorization", "Bearer t"], ["accept", "application/json"]]
        assert seen["scheme"] == "https"
        assert seen["root_path"] == "/api"
        assert seen["client"] == ["10.0.0.1", 1234]
        assert seen["server"] == ["example.org", 443]
        assert seen["has_state"] is False  # no lifespan ran

    async def test_websocket_carries_the_defaults_with_the_websocket_scheme(self):
        app = TestApp(echo_scope_app, headers=[("x-token", "abc")], scheme="https")
        communicator = app.websocket("/ws/", subprotocols=["chat"])
        assert isinstance(communicator, WebsocketCommunicator)
        assert communicator.scope["subprotocols"] == ["chat"]
        async with communicator:
            await communicator.connect()
            seen = await communicator.receive_json_from()
        assert seen["scheme"] == "wss"
        assert seen["headers"] == [["x-token", "abc"]]

    async def test_keyword_arguments_override_the_defaults(self):
        app = TestApp(echo_scope_app, timeout=5, root_path="/a", spec_version="2.1")
        communicator = app.http("GET", "/b", root_path="", timeout=0.5)
        assert communicator.timeout == 0.5
        assert communicator.scope["root_path"] == ""
        assert communicator.scope["asgi"]["spec_version"] == "2.1"
        async with communicator:
            await communicator.get_response()

    def test_repr_and_no_pytest_collection(self):
        assert TestApp.__test__ is False
        assert repr(TestApp(echo_scope_app)) == "<TestApp echo_scope_app [no lifespan]>"

    def test_invalid_scheme_is_rejected(self):
        with pytest.raises(ValueError, match="scheme"):
            TestApp(echo_scope_app, scheme="ftp")


# ---------------------------------------------------------------------- lifespan and state


class TestLifespanState:
    async def test_every_http_and_websocket_scope_gets_a_shallow_copy_of_the_state(self):
        async with TestApp(echo_scope_app) as app:
            assert app.lifespan_running
            assert app.state["db"] == "connected"
            first = app.http("GET", "/")
            second = app.http("GET", "/")
            assert first.scope["state"] is not second.scope["state"]
            assert first.scope["state"] is not app.state
            async with first, second:
                one = (await first.get_response()).json()
                two = (await second.get_response()).json()
            async with app.websocket("/ws/") as ws:
                await ws.connect()
                three = await ws.receive_json_from()
            for seen in (one, two, three):
                assert seen["has_state"] is True
                assert seen["state"] == {"db": "connected", "mine": True}
            assert "mine" not in app.state  # each connection wrote to its own copy
            assert app.state["hits"] == ["http", "http", "websocket"]  # shallow: shared values
        assert not app.lifespan_running

    async def test_scope_keyword_merges_over_the_state_copy(self):
        async with TestApp(echo_scope_app) as app:
            communicator = app.http("GET", "/", scope={"extensions": {}})
            assert communicator.scope["extensions"] == {}
            assert communicator.scope["state"]["db"] == "connected"
            async with communicator:
                await communicator.get_response()

    async def test_manual_startup_and_shutdown(self):
        app = TestApp(echo_scope_app)
        await app.startup()
        try:
            with pytest.raises(UsageError, match="already called"):
                await app.startup()
            assert isinstance(app.lifespan, LifespanCommunicator)
            assert app.http("GET", "/").scope["state"]["db"] == "connected"
        finally:
            await app.shutdown()
        assert "state" not in app.http("GET", "/").scope
        assert app.lifespan._engine.state == "finished"  # type: ignore[union-attr]

    async def test_startup_again_after_shutdown_runs_a_new_lifespan(self):
        app = TestApp(echo_scope_app)
        async with app:
            first = app.lifespan
        async with app:
            assert app.lifespan is not first
            assert app.lifespan_running

    async def test_app_without_lifespan_can_start_again_after_shutdown(self):
        async def http_only(scope, receive, send):
            if scope["type"] != "http":
                raise ValueError("http only")

        app = TestApp(http_only)
        for _ in range(2):
            async with app:
                assert app.lifespan is not None
                assert app.lifespan.supported is False
                assert not app.lifespan_running
                assert "state" not in app.http("GET", "/").scope

    async def test_lifespan_off_sends_no_lifespan(self):
        async with TestApp(echo_scope_app, lifespan="off") as app:
            assert app.lifespan is None
            assert "state" not in app.http("GET", "/").scope

    async def test_startup_failure_propagates(self):
        async def failing(scope, receive, send):
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no db"})

        with pytest.raises(LifespanStartupFailed, match="no db"):
            async with TestApp(failing):
                pytest.fail("the body must not run")

    async def test_lifespan_communicator_uses_the_defaults(self):
        app = TestApp(echo_scope_app, timeout=3, lifespan="on")
        lifespan = app.lifespan_communicator()
        assert (lifespan.timeout, lifespan.mode) == (3, "on")
        async with lifespan:
            assert lifespan.state["db"] == "connected"


# ---------------------------------------------------------------------- closing


class TestClosing:
    @pytest.mark.parametrize("anyio_backend", ["asyncio"])  # communicators used without async with
    async def test_exit_closes_the_communicators_still_open(self):
        chat = make_chat_app()
        async with TestApp(chat) as app:
            ws = app.websocket("/ws/")
            await ws.connect()
            assert len(chat.room) == 1
        assert ws._closed
        assert ws._engine.state == "finished"  # it got websocket.disconnect and returned
        assert chat.room == set()

    @pytest.mark.parametrize("anyio_backend", ["asyncio"])
    async def test_aclose_reraises_an_app_error_no_one_reported(self):
        async def crashing(scope, receive, send):
            raise RuntimeError("boom")

        app = TestApp(crashing, lifespan="off")
        communicator = app.http("GET", "/")
        await communicator.send_input({"type": "http.request", "body": b""})
        await communicator.receive_nothing(0)
        with pytest.raises(RuntimeError, match="boom"):
            await app.aclose()


# ---------------------------------------------------------------------- many connections


class TestManyConnections:
    async def test_two_websocket_clients_in_one_chat_room(self):
        async with TestApp(make_chat_app()) as app:
            async with app.websocket("/chat/") as alice, app.websocket("/chat/") as bob:
                assert (await alice.connect())[0]
                assert (await bob.connect())[0]
                await alice.send_to(text_data="hi bob")
                assert await bob.receive_from() == "hi bob"
                assert await alice.receive_from() == "hi bob"
                await bob.send_to(text_data="hi alice")
                assert await alice.receive_from() == "hi alice"
                assert await bob.receive_from() == "hi alice"
                assert await alice.receive_nothing(0.01)

    async def test_http_request_while_a_websocket_is_open(self):
        chat = make_chat_app()
        async with TestApp(chat) as app:
            async with app.websocket("/chat/") as ws:
                await ws.connect()
                async with app.http("POST", "/announce", body=b"server news") as request:
                    response = await request.get_response()
                assert response.body == b"1"
                assert await ws.receive_from() == "server news"
            assert chat.room == set()

    async def test_fifty_clients_receive_one_broadcast(self):
        clients = 50
        chat = make_chat_app()
        async with TestApp(chat) as app, AsyncExitStack() as stack:
            sockets = [
                await stack.enter_async_context(app.websocket("/chat/")) for _ in range(clients)
            ]
            for ws in sockets:
                assert (await ws.connect())[0]
            assert len(chat.room) == clients
            async with app.http("POST", "/announce", body=b"to everyone") as request:
                assert (await request.get_response()).body == str(clients).encode()
            for ws in sockets:
                assert await ws.receive_from() == "to everyone"
            for ws in sockets:
                assert await ws.receive_nothing(0)
