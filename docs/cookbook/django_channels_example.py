import django
from django.conf import settings

if not settings.configured:  # in a real project, DJANGO_SETTINGS_MODULE does this
    settings.configure(SECRET_KEY="docs-example", ALLOWED_HOSTS=["testserver"])
    django.setup()

import pytest

# --8<-- [start:consumer]
# chat/consumers.py
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class EchoConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        if self.scope.get("user") is None:
            await self.close(code=4001)
            return
        await self.accept()

    async def receive_json(self, content):
        await self.send_json({"user": self.scope["user"], "echo": content})


# --8<-- [end:consumer]


# --8<-- [start:routing]
# myproject/asgi.py
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application
from django.urls import path

application = ProtocolTypeRouter(
    {
        "http": get_asgi_application(),
        "websocket": URLRouter([path("ws/echo/", EchoConsumer.as_asgi())]),
    }
)
# --8<-- [end:routing]


# --8<-- [start:tests]
# chat/tests.py
from asgitest import WebsocketCommunicator

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"  # Channels runs on asyncio only (or use pytest-asyncio)


async def test_echo_for_a_logged_in_user():
    communicator = WebsocketCommunicator(application, "/ws/echo/")
    communicator.scope["user"] = "ann"  # or a real User, as AuthMiddlewareStack would set
    async with communicator:
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_json_to({"text": "hi"})
        assert await communicator.receive_json_from() == {"user": "ann", "echo": {"text": "hi"}}
        await communicator.disconnect()


async def test_anonymous_is_refused():
    async with WebsocketCommunicator(application, "/ws/echo/") as communicator:
        assert await communicator.connect() == (False, 4001)


async def test_the_consumer_class_needs_as_asgi():
    from asgitest import InvalidApplication

    with pytest.raises(InvalidApplication, match=r"Did you mean EchoConsumer\.as_asgi\(\)\?"):
        WebsocketCommunicator(EchoConsumer, "/ws/echo/")


# --8<-- [end:tests]
