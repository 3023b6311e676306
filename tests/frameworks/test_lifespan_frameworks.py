"""Lifespan and TestApp against real frameworks: Starlette, FastAPI, Django, Channels, Quart."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from django_settings import configure  # tests/frameworks/django_settings.py
from fastapi import FastAPI, Request as FastAPIRequest, WebSocket as FastAPIWebSocket
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from asgitest import (
    LifespanCommunicator,
    LifespanStartupFailed,
    TestApp,
    Timeout,
)

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------------- Starlette / FastAPI


def make_starlette_app(events: list[str]) -> Starlette:
    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield {"db": "connected", "visits": []}
        events.append("shutdown")

    async def read_db(request: Request) -> JSONResponse:
        request.state.visits.append("http")
        return JSONResponse({"db": request.state.db})

    async def ws_db(websocket: WebSocket) -> None:
        await websocket.accept()
        websocket.state.visits.append("websocket")
        await websocket.send_json({"db": websocket.state.db})
        await websocket.close()

    return Starlette(
        routes=[Route("/db", read_db), WebSocketRoute("/ws", ws_db)], lifespan=lifespan
    )


def make_fastapi_app(events: list[str]):
    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield {"db": "fastapi-db"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/db")
    async def read_db(request: FastAPIRequest) -> dict[str, str]:
        return {"db": request.state.db}

    @app.websocket("/ws")
    async def ws_db(websocket: FastAPIWebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"db": websocket.state.db})
        await websocket.close()

    return app


class TestStarletteAndFastAPI:
    async def test_starlette_route_and_websocket_read_the_lifespan_state(self):
        events: list[str] = []
        async with TestApp(make_starlette_app(events)) as app:
            assert events == ["startup"]
            async with app.http("GET", "/db") as request:
                response = await request.get_response()
            assert response.status == 200
            assert response.json() == {"db": "connected"}
            async with app.websocket("/ws") as ws:
                assert (await ws.connect())[0]
                assert await ws.receive_json_from() == {"db": "connected"}
            # Starlette stores state per connection on a copy; the lists inside are shared
            assert app.state["visits"] == ["http", "websocket"]
        assert events == ["startup", "shutdown"]

    async def test_starlette_without_lifespan_state_is_what_users_hit(self):
        """Without TestApp's lifespan the route fails as it would under a server without state:
        proof that the state in the test above came from the lifespan."""
        app = TestApp(make_starlette_app([]))
        with pytest.raises(AttributeError, match="has no attribute"):
            async with app.http("GET", "/db") as request:
                await request.get_response()

    async def test_fastapi_route_and_websocket_read_the_lifespan_state(self):
        events: list[str] = []
        async with TestApp(make_fastapi_app(events)) as app:
            async with app.http("GET", "/db") as request:
                assert (await request.get_response()).json() == {"db": "fastapi-db"}
            async with app.websocket("/ws") as ws:
                await ws.connect()
                assert await ws.receive_json_from() == {"db": "fastapi-db"}
        assert events == ["startup", "shutdown"]

    async def test_fastapi_lifespan_that_fails(self):
        @asynccontextmanager
        async def lifespan(app):
            raise ConnectionError("database unreachable")
            yield  # pragma: no cover

        lifespan_communicator = LifespanCommunicator(FastAPI(lifespan=lifespan))
        with pytest.raises(LifespanStartupFailed) as info:
            async with lifespan_communicator:
                pytest.fail("the body must not run")
        error = info.value
        # Starlette sends lifespan.startup.failed with the traceback, then re-raises
        assert "ConnectionError: database unreachable" in error.message
        assert "ConnectionError: database unreachable" in str(error)
        assert isinstance(error.__cause__, ConnectionError)
        assert lifespan_communicator._engine.done

    async def test_raw_app_hanging_in_startup_times_out_with_a_clear_message(self):
        async def hangs(scope, receive, send):
            await receive()
            while True:
                await receive()

        with pytest.raises(Timeout) as info:
            async with TestApp(hangs, timeout=0.05):
                pytest.fail("the body must not run")
        assert 'waiting for "lifespan.startup.complete"' in str(info.value)
        assert "still running" in str(info.value)


# ---------------------------------------------------------------------- asyncio-only frameworks


class TestDjangoChannelsQuart:
    """Django, Channels and Quart run on asyncio only."""

    @pytest.fixture
    def anyio_backend(self):
        return "asyncio"

    @pytest.fixture(autouse=True)
    def _django(self):
        configure()
        from channels.layers import channel_layers

        channel_layers.backends.clear()  # a fresh in-memory layer per test (per event loop)
        yield
        channel_layers.backends.clear()

    async def test_django_without_lifespan_auto_mode_continues(self):
        from django.core.asgi import get_asgi_application

        async with TestApp(get_asgi_application()) as app:
            assert app.lifespan is not None
            assert app.lifespan.supported is False
            assert "Django can only handle ASGI/HTTP" in str(app.lifespan.unsupported_error)
            async with app.http("GET", "/hello/") as request:
                response = await request.get_response()
            assert response.status == 200
            assert response.body == b"hello from django"

    async def test_django_without_lifespan_on_mode_errors_clearly(self):
        from django.core.asgi import get_asgi_application

        with pytest.raises(LifespanStartupFailed) as info:
            async with TestApp(get_asgi_application(), lifespan="on"):
                pytest.fail("the body must not run")
        text = str(info.value)
        assert "does not support the lifespan protocol" in text
        assert 'lifespan="auto"' in text
        assert isinstance(info.value.__cause__, ValueError)

    async def test_channels_group_broadcast_reaches_two_clients(self):
        from channels.generic.websocket import AsyncWebsocketConsumer

        class ChatConsumer(AsyncWebsocketConsumer):
            async def connect(self):
                await self.channel_layer.group_add("room", self.channel_name)
                await self.accept()

            async def disconnect(self, code):
                await self.channel_layer.group_discard("room", self.channel_name)

            async def receive(self, text_data=None, bytes_data=None):
                await self.channel_layer.group_send(
                    "room", {"type": "chat.message", "text": text_data}
                )

            async def chat_message(self, event):
                await self.send(text_data=event["text"])

        app = TestApp(ChatConsumer.as_asgi(), lifespan="off")
        async with app.websocket("/chat/") as alice, app.websocket("/chat/") as bob:
            assert (await alice.connect())[0]
            assert (await bob.connect())[0]
            await alice.send_to(text_data="hello room")
            assert await alice.receive_from() == "hello room"
            assert await bob.receive_from() == "hello room"
            await bob.send_to(text_data="hi alice")
            assert await alice.receive_from() == "hi alice"
            assert await bob.receive_from() == "hi alice"

    async def test_quart_before_and_after_serving(self):
        from quart import Quart, current_app, websocket

        events: list[str] = []
        quart_app = Quart(__name__)

        @quart_app.before_serving
        async def connect_db():
            events.append("before_serving")
            quart_app.config["DB"] = "quart-db"

        @quart_app.after_serving
        async def close_db():
            events.append("after_serving")

        @quart_app.route("/db")
        async def read_db():
            return {"db": current_app.config["DB"]}

        @quart_app.websocket("/ws")
        async def ws_db():
            await websocket.send(current_app.config["DB"])

        async with TestApp(quart_app) as app:
            assert events == ["before_serving"]
            assert app.lifespan is not None
            assert app.lifespan.supported is True
            async with app.http("GET", "/db") as request:
                assert (await request.get_response()).json() == {"db": "quart-db"}
            async with app.websocket("/ws") as ws:
                assert (await ws.connect())[0]
                assert await ws.receive_from() == "quart-db"
        assert events == ["before_serving", "after_serving"]
