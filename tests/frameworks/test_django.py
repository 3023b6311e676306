"""The core communicators against real Django and Channels (asyncio only: asgiref is)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer, JsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.contrib.auth.models import User
from django.core.asgi import get_asgi_application
from django.db import connection
from django.urls import path

from asgitest import HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def django_app() -> Any:
    return get_asgi_application()


# ---------------------------------------------------------------- HTTP through Django's handler


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_django_view_sees_method_path_query_and_headers(django_app: Any, kind: str) -> None:
    communicator = HttpCommunicator(
        django_app, "GET", f"/{kind}/?page=2&q=caf%C3%A9", headers=[(b"x-test", b"hello")]
    )
    async with communicator:
        response = await communicator.get_response()
    assert response["status"] == 200
    assert response.headers["X-View"] == kind
    assert response.headers["content-type"] == "application/json"
    assert response.headers[b"content-type"] == b"application/json"
    assert response.json() == {
        "view": kind,
        "method": "GET",
        "path": f"/{kind}/",
        "query": {"page": "2", "q": "café"},
        "header": "hello",
        "body": "",
    }


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_django_view_reads_the_post_body(django_app: Any, kind: str) -> None:
    body = b"name=asgitest&lang=python"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    async with HttpCommunicator(django_app, "POST", f"/{kind}/", body, headers) as communicator:
        response = await communicator.get_response()
    assert response.json()["method"] == "POST"
    assert response.json()["body"] == "name=asgitest&lang=python"


async def test_django_json_echo_with_status(django_app: Any) -> None:
    body = b'{"numbers": [1, 2, 3]}'
    async with HttpCommunicator(django_app, "POST", "/echo/", body) as communicator:
        response = await communicator.get_response()
    assert response.status == 201
    assert response.json() == {"echo": {"numbers": [1, 2, 3]}}


async def test_django_streaming_response_is_read_whole(django_app: Any) -> None:
    async with HttpCommunicator(django_app, "GET", "/stream/") as communicator:
        response = await communicator.get_response()
    assert response.status == 200
    assert response.body == b"chunk 0\nchunk 1\nchunk 2\n"
    # Django sent the body in several messages, all recorded.
    bodies = [m for _, d, m, _ in communicator.transcript if m["type"] == "http.response.body"]
    assert len(bodies) >= 3


async def test_django_404_and_channels_style_dict(django_app: Any) -> None:
    communicator = HttpCommunicator(django_app, "GET", "/missing/")
    response = await communicator.get_response()
    assert response["status"] == 404
    assert isinstance(response, dict)
    assert (b"Content-Type", b"text/html; charset=utf-8") in response.get("headers", [])
    await communicator.wait(timeout=10)  # Django's handler returns once the response is sent


# ---------------------------------------------------------------- WebSocket consumers


class EchoConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.send(text_data=text_data.upper())
        else:
            await self.send(bytes_data=bytes_data[::-1] if bytes_data else b"")


async def test_async_websocket_consumer_text_and_bytes() -> None:
    async with WebsocketCommunicator(EchoConsumer.as_asgi(), "/ws/") as communicator:
        assert await communicator.connect() == (True, None)
        await communicator.send_to(text_data="hello")
        assert await communicator.receive_from() == "HELLO"
        await communicator.send_to(bytes_data=b"\x01\x02\x03")
        assert await communicator.receive_from() == b"\x03\x02\x01"
        assert await communicator.receive_nothing(timeout=0.01)
        await communicator.disconnect()


class JsonCounter(JsonWebsocketConsumer):
    def connect(self) -> None:
        self.count = 0
        self.accept()

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.count += content["add"]
        self.send_json({"total": self.count})


async def test_json_websocket_consumer() -> None:
    async with WebsocketCommunicator(JsonCounter.as_asgi(), "/count/") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        for add, total in [(1, 1), (5, 6), (-2, 4)]:
            await communicator.send_json_to({"add": add})
            assert await communicator.receive_json_from() == {"total": total}
        await communicator.disconnect()


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.number = self.scope["url_route"]["kwargs"]["number"]
        assert isinstance(self.number, int)
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()
        await self.send(text_data=f"joined {self.room} as {self.number}")

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.room, {"type": "room.message", "text": f"{self.number}: {text_data}"}
        )

    async def room_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


rooms = URLRouter([path("rooms/<str:room>/<int:number>/", RoomConsumer.as_asgi())])


async def test_url_router_passes_kwargs() -> None:
    async with WebsocketCommunicator(rooms, "/rooms/lobby/7/") as communicator:
        assert (await communicator.connect())[0]
        # "7" came through the <int:number> converter as the int 7.
        assert await communicator.receive_from() == "joined lobby as 7"
        await communicator.disconnect()


async def test_group_broadcast_between_two_communicators() -> None:
    layer = get_channel_layer()
    assert type(layer).__name__ == "InMemoryChannelLayer"
    async with (
        WebsocketCommunicator(rooms, "/rooms/chat/1/") as alice,
        WebsocketCommunicator(rooms, "/rooms/chat/2/") as bob,
    ):
        await alice.connect()
        await bob.connect()
        assert await alice.receive_from() == "joined chat as 1"
        assert await bob.receive_from() == "joined chat as 2"
        await alice.send_to(text_data="hi bob")
        assert await alice.receive_from() == "1: hi bob"
        assert await bob.receive_from() == "1: hi bob"
        await bob.disconnect()
        await alice.send_to(text_data="anyone?")
        assert await alice.receive_from() == "1: anyone?"
        assert await bob.receive_nothing(timeout=0.05)
        await alice.disconnect()


# ---------------------------------------------------------------- the database (channels #2118)


@database_sync_to_async
def _record(username: str) -> int:
    User.objects.create(username=username)
    return User.objects.count()


class DatabaseConsumer(AsyncWebsocketConsumer):
    """Queries the database in connect, in receive and in the disconnect handler."""

    async def connect(self) -> None:
        self.users_at_connect = await _record("connect")
        await self.accept()
        await self.send(text_data=str(self.users_at_connect))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=str(await _record(f"receive-{text_data}")))

    async def disconnect(self, code: int) -> None:
        await _record(f"disconnect-{code}")


def _raw_connection() -> Any:
    connection.ensure_connection()
    return connection.connection


@pytest.mark.django_db(transaction=True)
async def test_database_connection_survives_connect_and_disconnect_handlers() -> None:
    # channels.testing patches close_old_connections only inside send_input/receive_output,
    # so the query in the disconnect handler (run during disconnect()) closed the test's
    # connection (channels #2118). asgitest neutralises it for the app's whole life.
    raw_before = await sync_to_async(_raw_connection)()
    communicator = WebsocketCommunicator(DatabaseConsumer.as_asgi(), "/db/")
    async with communicator:
        assert await communicator.connect() == (True, None)
        assert await communicator.receive_from() == "1"
        await communicator.send_to(text_data="x")
        assert await communicator.receive_from() == "2"
        assert await communicator.receive_nothing(timeout=0.01)
        await communicator.disconnect(code=4001)
    raw_after = await sync_to_async(_raw_connection)()
    assert raw_after is raw_before, "the test's database connection was closed"
    usernames = await database_sync_to_async(
        lambda: sorted(User.objects.values_list("username", flat=True))
    )()
    assert usernames == ["connect", "disconnect-4001", "receive-x"]


@pytest.mark.django_db(transaction=True)
async def test_database_connection_survives_unstructured_use() -> None:
    # The channels style: no `async with`, the disconnect handler runs inside disconnect().
    raw_before = await sync_to_async(_raw_connection)()
    communicator = WebsocketCommunicator(DatabaseConsumer.as_asgi(), "/db/")
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_from() == "1"
    await communicator.disconnect()
    assert await sync_to_async(_raw_connection)() is raw_before
    assert await database_sync_to_async(User.objects.count)() == 2
