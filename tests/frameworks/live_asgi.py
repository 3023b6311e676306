"""The ASGI application, URLs and consumers of the live-server Django + Channels project."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path


def _usernames() -> str:
    from django.contrib.auth.models import User

    return ", ".join(User.objects.order_by("username").values_list("username", flat=True))


def users(request: HttpRequest) -> HttpResponse:
    """A sync view: Django runs it in another thread, on that thread's own DB connection."""
    return HttpResponse(_usernames())


def host(request: HttpRequest) -> HttpResponse:
    """Validates the Host header against ALLOWED_HOSTS (DisallowedHost gives a 400)."""
    return HttpResponse(request.get_host())


urlpatterns = [path("users/", users), path("host/", host)]


class ChatConsumer(AsyncWebsocketConsumer):
    """Everything a client sends goes to every client, through the channel layer."""

    async def connect(self) -> None:
        await self.channel_layer.group_add("chat", self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard("chat", self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send("chat", {"type": "chat.message", "text": text_data})

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


class UsersConsumer(AsyncWebsocketConsumer):
    """Answers every frame with the usernames in the database."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=await database_sync_to_async(_usernames)())


application = ProtocolTypeRouter(
    {
        "http": get_asgi_application(),
        "websocket": URLRouter(
            [path("ws/chat/", ChatConsumer.as_asgi()), path("ws/users/", UsersConsumer.as_asgi())]
        ),
    }
)
