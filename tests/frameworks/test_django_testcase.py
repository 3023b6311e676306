"""Async ``django.test.TestCase`` methods with a communicator built in the sync ``setUp``.

Django runs async test methods through ``async_to_sync``, in an event loop that does not exist
yet when ``setUp`` builds the communicator (channels #1947, asgiref #501). The test runs inside
``TestCase``'s transaction: the consumer's ``database_sync_to_async`` queries share its
connection and must neither close it nor miss the rows ``setUp`` created (channels #1780).
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import User
from django.core.asgi import get_asgi_application
from django.test import TestCase

from asgitest import HttpCommunicator, WebsocketCommunicator


class UserCountConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.send(text_data=str(await database_sync_to_async(User.objects.count)()))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await database_sync_to_async(User.objects.create)(username=text_data)
        await self.send(text_data="created")

    async def disconnect(self, code: int) -> None:
        self.left = await database_sync_to_async(User.objects.filter(username="bob").exists)()


class CommunicatorInSetUpTests(TestCase):
    def setUp(self) -> None:
        User.objects.create(username="alice")
        # Built with no event loop running: the app starts on first use, in the test's loop.
        self.communicator = WebsocketCommunicator(UserCountConsumer.as_asgi(), "/users/")
        self.http = HttpCommunicator(get_asgi_application(), "GET", "/async/?from=setup")

    async def test_websocket_consumer_sees_setup_rows_and_keeps_the_connection(self) -> None:
        communicator = self.communicator
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_from() == "1"  # alice, from setUp
        await communicator.send_to(text_data="bob")
        assert await communicator.receive_from() == "created"
        await communicator.disconnect()
        # The disconnect handler queried the database; the test's connection is still open.
        # (The test itself uses sync_to_async: database_sync_to_async outside a consumer would
        # close the connection of TestCase's transaction, under channels.testing too.)
        usernames = await sync_to_async(
            lambda: sorted(User.objects.values_list("username", flat=True))
        )()
        assert usernames == ["alice", "bob"]

    async def test_http_communicator_built_in_setup(self) -> None:
        response: Any = await self.http.get_response()
        assert response.status == 200
        assert response.json()["query"] == {"from": "setup"}

    def test_sync_method_still_sees_the_database(self) -> None:
        assert User.objects.get().username == "alice"
