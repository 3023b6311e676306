"""Streaming, disconnects, cookies and WebSocket extras against real frameworks."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from django_settings import configure  # tests/frameworks/django_settings.py
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from asgitest import Client, HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------------- Starlette / FastAPI


async def endless_events(request: Request) -> StreamingResponse:
    async def events() -> Any:
        number = 0
        while True:
            number += 1
            yield f"id: {number}\nevent: tick\ndata: tick {number}\n\n"
            await anyio.sleep(0.001)

    return StreamingResponse(events(), media_type="text/event-stream")


async def counted(request: Request) -> StreamingResponse:
    async def lines() -> Any:
        for number in range(3):
            yield f"line {number}\n"

    return StreamingResponse(lines(), media_type="text/plain")


async def ws_guarded(websocket: WebSocket) -> None:
    if websocket.query_params.get("token") != "ok":
        await websocket.send_denial_response(PlainTextResponse("no token", status_code=403))
        return
    await websocket.accept()
    name = await websocket.receive_text()
    await websocket.close(code=4001, reason=f"goodbye {name}")


starlette_app = Starlette(
    routes=[
        Route("/events", endless_events),
        Route("/lines", counted),
        WebSocketRoute("/ws", ws_guarded),
    ]
)


class TestStarlette:
    async def test_sse_forever_read_three_events_then_leave(self) -> None:
        client = Client(starlette_app)
        async with client.stream("GET", "/events") as response:
            assert response.status == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = []
            async for event in response.iter_events():
                events.append(event)
                if len(events) == 3:
                    break
            communicator = response.communicator
        assert [(e.event, e.data, e.id) for e in events] == [
            ("tick", "tick 1", "1"),
            ("tick", "tick 2", "2"),
            ("tick", "tick 3", "3"),
        ]
        # The app received http.disconnect (Starlette listens for it below spec 2.4) and
        # returned on its own.
        assert {"type": "http.disconnect"} in communicator.transcript.received_by_app()
        assert communicator.transcript.outcome == "the app returned"

    async def test_streaming_response_with_spec_2_4_stops_on_oserror(self) -> None:
        client = Client(starlette_app, spec_version="2.4")
        async with client.stream("GET", "/events") as response:
            assert response.communicator.scope["asgi"]["spec_version"] == "2.4"
            first = await response.iter_events().__anext__()
            communicator = response.communicator
        assert first.data == "tick 1"
        outcome = communicator.transcript.outcome or ""
        # From 2.4 Starlette does not listen for http.disconnect: it relies on send()
        # raising an OSError, and turns it into its own ClientDisconnect.
        assert "ClientDisconnect after send() raised ClientDisconnected" in outcome
        assert "raised ClientDisconnected" in communicator.transcript.render()

    async def test_fastapi_streaming_response_read_incrementally(self) -> None:
        app = FastAPI()

        @app.get("/numbers")
        async def numbers() -> StreamingResponse:
            async def body() -> Any:
                for number in range(4):
                    yield f"{number}\n".encode()
                    await anyio.lowlevel.checkpoint()

            return StreamingResponse(body(), media_type="text/plain")

        async with Client(app).stream("GET", "/numbers") as response:
            lines = [line async for line in response.iter_lines()]
        assert lines == ["0", "1", "2", "3"]

    async def test_streaming_lines_and_complete_response(self) -> None:
        response = await Client(starlette_app).get("/lines")
        assert response.text == "line 0\nline 1\nline 2\n"

    async def test_websocket_denial_response(self) -> None:
        communicator = WebsocketCommunicator(
            starlette_app, "/ws", extensions={"websocket.http.response": {}}
        )
        async with communicator:
            assert await communicator.connect() == (False, 403)
            assert communicator.denial_response is not None
            assert communicator.denial_response.text == "no token"

    async def test_websocket_close_with_reason(self) -> None:
        async with WebsocketCommunicator(starlette_app, "/ws?token=ok") as communicator:
            connected, _ = await communicator.connect()
            assert connected
            await communicator.send_to(text_data="ada")
            assert await communicator.assert_closed(4001, "goodbye ada") == (4001, "goodbye ada")


# ---------------------------------------------------------------------- Django / Channels

DJANGO_LOG: list[str] = []


def _django_views() -> list[Any]:
    from django.http import (
        HttpRequest,
        HttpResponse,
        HttpResponseRedirect,
        JsonResponse,
        StreamingHttpResponse,
    )
    from django.middleware.csrf import get_token
    from django.urls import path

    async def events(request: HttpRequest) -> StreamingHttpResponse:
        async def stream() -> Any:
            number = 0
            try:
                while True:
                    number += 1
                    yield f"data: {number}\n\n"
                    await asyncio.sleep(0.001)
            except asyncio.CancelledError:
                DJANGO_LOG.append("stream cancelled")
                raise

        return StreamingHttpResponse(stream(), content_type="text/event-stream")

    def login(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return JsonResponse({"csrf": get_token(request)})
        if request.POST.get("password") != "correct horse":
            return HttpResponse("bad password", status=403)
        request.session["user"] = request.POST["username"]
        return HttpResponseRedirect("/me/")

    def me(request: HttpRequest) -> HttpResponse:
        user = request.session.get("user")
        if user is None:
            return HttpResponse("anonymous", status=401)
        return JsonResponse({"user": user})

    def transfer(request: HttpRequest) -> HttpResponse:
        user = request.session.get("user")
        if user is None:
            return HttpResponse("anonymous", status=401)
        return HttpResponse(f"{user} sent {request.POST['amount']}")

    return [
        path("events/", events),
        path("login/", login),
        path("me/", me),
        path("transfer/", transfer),
    ]


urlpatterns: list[Any] = []

DJANGO_SETTINGS = {
    "ROOT_URLCONF": __name__,
    "MIDDLEWARE": [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    # Signed-cookie sessions need no database (the shared settings have none).
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
}


class TestDjangoAndChannels:
    """Django and Channels run on asyncio only."""

    @pytest.fixture
    def anyio_backend(self) -> str:
        return "asyncio"

    @pytest.fixture(autouse=True)
    def _django(self) -> Any:
        configure()
        from django.test import override_settings

        if not urlpatterns:
            urlpatterns.extend(_django_views())
        with override_settings(**DJANGO_SETTINGS):
            yield
        DJANGO_LOG.clear()

    @staticmethod
    def django_app() -> Any:
        from django.core.handlers.asgi import ASGIHandler

        return ASGIHandler()  # made inside the settings override: it loads MIDDLEWARE

    async def test_streaming_http_response_read_three_then_leave(self) -> None:
        communicator = HttpCommunicator(self.django_app(), "GET", "/events/")
        async with communicator.stream() as response:
            assert response.status == 200
            events = []
            async for event in response.iter_events():
                events.append(event.data)
                if len(events) == 3:
                    break
        assert events == ["1", "2", "3"]
        assert {"type": "http.disconnect"} in communicator.transcript.received_by_app()
        assert DJANGO_LOG == ["stream cancelled"]  # Django cancelled the stream on disconnect
        assert communicator.transcript.outcome == "the app returned"

    async def test_login_then_csrf_protected_post_through_the_cookie_jar(self) -> None:
        client = Client(self.django_app())
        token = (await client.get("/login/")).json()["csrf"]
        assert client.cookies is not None
        assert "csrftoken" in client.cookies

        refused = await client.post("/login/", data={"username": "ada", "password": "x"})
        assert refused.status == 403
        assert b"CSRF" in refused.body  # no token in the form: Django's CSRF check refuses

        response = await client.post(
            "/login/",
            data={"username": "ada", "password": "correct horse", "csrfmiddlewaretoken": token},
            follow_redirects=True,
        )
        assert response.json() == {"user": "ada"}
        assert response.history[0].status == 302
        assert "sessionid" in client.cookies

        no_token = await client.post("/transfer/", data={"amount": "10"})
        assert no_token.status == 403
        sent = await client.post(
            "/transfer/", data={"amount": "10"}, headers={"X-CSRFToken": token}
        )
        assert sent.status == 200
        assert sent.text == "ada sent 10"

    async def test_channels_consumer_authenticated_by_the_session_cookie(self) -> None:
        from channels.auth import AuthMiddlewareStack
        from channels.generic.websocket import AsyncWebsocketConsumer
        from channels.routing import ProtocolTypeRouter

        class WhoAmI(AsyncWebsocketConsumer):
            async def connect(self) -> None:
                user = self.scope["session"].get("user")
                if user is None:
                    await self.close(code=4401)
                    return
                await self.accept()
                await self.send(text_data=f"hello {user}")

        application = ProtocolTypeRouter(
            {"http": self.django_app(), "websocket": AuthMiddlewareStack(WhoAmI.as_asgi())}
        )
        client = Client(application)

        async with client.websocket("/ws/") as communicator:
            assert await communicator.connect() == (False, 4401)

        token = (await client.get("/login/")).json()["csrf"]
        await client.post(
            "/login/",
            data={"username": "grace", "password": "correct horse", "csrfmiddlewaretoken": token},
        )
        async with client.websocket("/ws/") as communicator:
            connected, _ = await communicator.connect()
            assert connected
            assert await communicator.receive_from() == "hello grace"
            assert re.search(rb"sessionid=", dict(communicator.scope["headers"])[b"cookie"])
