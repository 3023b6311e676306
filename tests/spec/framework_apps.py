"""Real framework apps for the false-positive tests: Django, Channels, Starlette, FastAPI,
Quart and Litestar, each exercising plain, streaming, file, websocket and background paths.

Each ``scenario_*`` coroutine drives one app through the real communicators with the given
strictness and asserts what a client would see, so a scenario that silently did nothing fails.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import django
from django.conf import settings

from asgitest import ApplicationCommunicator, HttpCommunicator, WebsocketCommunicator


def configure_django() -> None:
    """Configure Django once, at test time (idempotent: another test module, pytest-django or
    DJANGO_SETTINGS_MODULE may have done it already); the scenarios then override
    ROOT_URLCONF for themselves."""
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="asgitest-spec-tests",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "channels"],
            DATABASES={},
            USE_TZ=True,
            CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        )
    django.setup()


FILE_CONTENT = b"file content\n" * 100
_fd, FILE_PATH = tempfile.mkstemp(prefix="asgitest-spec-", suffix=".txt")
with os.fdopen(_fd, "wb") as _file:
    _file.write(FILE_CONTENT)

LIFESPAN_SCOPE: dict[str, Any] = {
    "type": "lifespan",
    "asgi": {"version": "3.0", "spec_version": "2.0"},
    "state": {},
}

# ---------------------------------------------------------------------------- Django

from django.http import (  # noqa: E402
    FileResponse,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import path  # noqa: E402


def sync_view(request: Any) -> HttpResponse:
    return HttpResponse("sync", content_type="text/plain")


async def async_view(request: Any) -> JsonResponse:
    return JsonResponse({"async": True})


def streaming_view(request: Any) -> StreamingHttpResponse:
    return StreamingHttpResponse((f"chunk{i}\n" for i in range(3)), content_type="text/plain")


async def async_streaming_view(request: Any) -> StreamingHttpResponse:
    async def chunks() -> Any:
        for i in range(3):
            yield f"achunk{i}\n"

    return StreamingHttpResponse(chunks(), content_type="text/plain")


def file_view(request: Any) -> FileResponse:
    return FileResponse(open(FILE_PATH, "rb"), content_type="text/plain")


def post_view(request: Any) -> HttpResponse:
    return HttpResponse(request.body[::-1])


def not_found_view(request: Any) -> HttpResponse:
    from django.http import Http404

    raise Http404("no such thing")


def forbidden_view(request: Any) -> HttpResponse:
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


def broken_view(request: Any) -> HttpResponse:
    raise RuntimeError("the view is broken")


urlpatterns = [
    path("sync/", sync_view),
    path("async/", async_view),
    path("stream/", streaming_view),
    path("astream/", async_streaming_view),
    path("file/", file_view),
    path("post/", post_view),
    path("not-found/", not_found_view),
    path("forbidden/", forbidden_view),
    path("broken/", broken_view),
]


async def scenario_django(strict: str) -> None:
    from django.test import override_settings

    configure_django()
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=[], ALLOWED_HOSTS=["*"]):
        await _django(strict)


async def _django(strict: str) -> None:
    from django.core.asgi import get_asgi_application

    app = get_asgi_application()
    for url, expected in [
        ("/sync/", b"sync"),
        ("/async/", b'{"async": true}'),
        ("/stream/", b"chunk0\nchunk1\nchunk2\n"),
        ("/astream/", b"achunk0\nachunk1\nachunk2\n"),
        ("/file/", FILE_CONTENT),
    ]:
        async with HttpCommunicator(app, "GET", url, strict=strict) as communicator:  # type: ignore[arg-type]
            response = await communicator.get_response()
            assert response.status == 200, (url, response)
            assert response.body == expected, url
    async with HttpCommunicator(app, "POST", "/post/", b"abc", strict=strict) as communicator:  # type: ignore[arg-type]
        assert (await communicator.get_response()).body == b"cba"
    async with HttpCommunicator(app, "GET", "/missing/", strict=strict) as communicator:  # type: ignore[arg-type]
        assert (await communicator.get_response()).status == 404
    async with HttpCommunicator(app, "HEAD", "/sync/", strict=strict) as communicator:  # type: ignore[arg-type]
        assert (await communicator.get_response()).status == 200
    # Django's error paths: Http404, PermissionDenied and a view that raises (DEBUG=False: the
    # handler logs "Internal Server Error" and answers 500 itself).
    for url, status in [("/not-found/", 404), ("/forbidden/", 403), ("/broken/", 500)]:
        async with HttpCommunicator(app, "GET", url, strict=strict) as communicator:  # type: ignore[arg-type]
            assert (await communicator.get_response()).status == status, url
    # Django does not support lifespan: it raises, as the spec asks (R17/R98).
    async with ApplicationCommunicator(app, dict(LIFESPAN_SCOPE), strict=strict) as communicator:  # type: ignore[arg-type]
        await communicator.send_input({"type": "lifespan.startup"})
        error: Exception | None = None
        try:
            await communicator.receive_output()
        except ValueError as exc:
            error = exc
        assert error is not None, "Django answered the lifespan scope"
        assert "lifespan" in str(error)


# ---------------------------------------------------------------------------- Channels

from channels.generic.http import AsyncHttpConsumer  # noqa: E402
from channels.generic.websocket import (  # noqa: E402
    AsyncJsonWebsocketConsumer,
    AsyncWebsocketConsumer,
    WebsocketConsumer,
)


class EchoConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
        if text_data == "close":
            await self.close(code=4000)
        elif text_data is not None:
            await self.send(text_data=text_data)
        else:
            await self.send(bytes_data=bytes_data)


class SyncConsumer(WebsocketConsumer):
    def connect(self) -> None:
        self.accept("chat")

    def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
        self.send(text_data=f"sync:{text_data}")
        self.close()


class JsonConsumer(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"got": content})


class RejectingConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.close()


class HttpConsumer(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        await self.send_headers(headers=[(b"Content-Type", b"text/plain")])
        await self.send_body(b"part1", more_body=True)
        await self.send_body(b"part2")


async def scenario_channels(strict: str) -> None:
    configure_django()
    async with WebsocketCommunicator(EchoConsumer.as_asgi(), "/ws/", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        await ws.send_to(text_data="hello")
        assert await ws.receive_from() == "hello"
        await ws.send_to(bytes_data=b"\x00\x01")
        assert await ws.receive_from() == b"\x00\x01"
        await ws.send_to(text_data="close")
        assert (await ws.receive_output())["code"] == 4000
    async with WebsocketCommunicator(
        SyncConsumer.as_asgi(),
        "/ws/",
        subprotocols=["chat"],
        strict=strict,  # type: ignore[arg-type]
    ) as ws:
        assert await ws.connect() == (True, "chat")
        await ws.send_to(text_data="x")
        assert await ws.receive_from() == "sync:x"
        assert (await ws.receive_output())["type"] == "websocket.close"
    async with WebsocketCommunicator(JsonConsumer.as_asgi(), "/ws/", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        await ws.send_json_to({"a": 1})
        assert await ws.receive_json_from() == {"got": {"a": 1}}
        await ws.disconnect()
    async with WebsocketCommunicator(RejectingConsumer.as_asgi(), "/ws/", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0] is False
    async with HttpCommunicator(HttpConsumer.as_asgi(), "GET", "/", strict=strict) as http:  # type: ignore[arg-type]
        response = await http.get_response()
        assert response.body == b"part1part2"


# ---------------------------------------------------------------------------- Starlette / FastAPI

from fastapi import (  # noqa: E402
    BackgroundTasks,
    FastAPI,
    WebSocket as FastAPIWebSocket,
)
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import (  # noqa: E402
    FileResponse as StarletteFileResponse,
    JSONResponse,
    PlainTextResponse,
    StreamingResponse,
)
from starlette.routing import Route, WebSocketRoute  # noqa: E402
from starlette.websockets import WebSocket  # noqa: E402

background_done: list[str] = []


async def st_plain(request: Any) -> PlainTextResponse:
    return PlainTextResponse("plain")


async def st_json(request: Any) -> JSONResponse:
    return JSONResponse({"a": 1})


async def st_stream(request: Any) -> StreamingResponse:
    async def chunks() -> Any:
        for i in range(3):
            yield f"s{i}"

    return StreamingResponse(chunks(), media_type="text/plain")


async def st_file(request: Any) -> StarletteFileResponse:
    return StarletteFileResponse(FILE_PATH)


async def st_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    text = await websocket.receive_text()
    await websocket.send_text(text.upper())
    await websocket.send_bytes(b"raw")
    await websocket.send_json({"j": 1})
    await websocket.close(code=4001, reason="done")


async def st_ws_reject(websocket: WebSocket) -> None:
    await websocket.close()


async def st_forbidden(request: Any) -> PlainTextResponse:
    from starlette.exceptions import HTTPException

    raise HTTPException(status_code=403, detail="no")


async def st_boom(request: Any) -> PlainTextResponse:
    raise RuntimeError("the endpoint is broken")


async def st_ws_policy(websocket: WebSocket) -> None:
    from starlette.exceptions import WebSocketException

    raise WebSocketException(code=1008, reason="who are you?")


starlette_app = Starlette(
    routes=[
        Route("/plain", st_plain),
        Route("/json", st_json),
        Route("/stream", st_stream),
        Route("/file", st_file),
        WebSocketRoute("/ws", st_ws),
        WebSocketRoute("/reject", st_ws_reject),
        Route("/forbidden", st_forbidden),
        Route("/boom", st_boom),
        WebSocketRoute("/policy", st_ws_policy),
    ]
)

fastapi_app = FastAPI()


@fastapi_app.get("/items/{item_id}")
async def read_item(item_id: int, background: BackgroundTasks) -> dict[str, int]:
    background.add_task(background_done.append, f"item {item_id}")
    return {"item_id": item_id}


@fastapi_app.get("/sync")
def read_sync() -> dict[str, str]:
    return {"sync": "yes"}


@fastapi_app.websocket("/ws/items/{item_id}")
async def fastapi_ws_item(websocket: FastAPIWebSocket, item_id: int) -> None:
    """A path parameter that fails validation closes the socket before accept, with the
    validation errors (a list) as the reason: fastapi/exception_handlers.py,
    ``websocket_request_validation_exception_handler``:
    ``reason=jsonable_encoder(exc.errors())``."""
    await websocket.accept()
    await websocket.send_json({"item_id": item_id})
    await websocket.close()


@fastapi_app.websocket("/ws")
async def fastapi_ws(websocket: FastAPIWebSocket) -> None:
    await websocket.accept()
    data = await websocket.receive_json()
    await websocket.send_json({"echo": data})
    await websocket.close()


async def _lifespan_roundtrip(app: Any, strict: str) -> None:
    async with ApplicationCommunicator(app, dict(LIFESPAN_SCOPE, state={}), strict=strict) as life:  # type: ignore[arg-type]
        await life.send_input({"type": "lifespan.startup"})
        assert (await life.receive_output())["type"] == "lifespan.startup.complete"
        await life.send_input({"type": "lifespan.shutdown"})
        assert (await life.receive_output())["type"] == "lifespan.shutdown.complete"


async def scenario_starlette(strict: str) -> None:
    for url, expected in [
        ("/plain", b"plain"),
        ("/json", b'{"a":1}'),
        ("/stream", b"s0s1s2"),
        ("/file", FILE_CONTENT),
    ]:
        async with HttpCommunicator(starlette_app, "GET", url, strict=strict) as http:  # type: ignore[arg-type]
            response = await http.get_response()
            assert (response.status, response.body) == (200, expected), url
    async with HttpCommunicator(starlette_app, "HEAD", "/plain", strict=strict) as http:  # type: ignore[arg-type]
        assert (await http.get_response()).status == 200
    async with HttpCommunicator(starlette_app, "GET", "/nope", strict=strict) as http:  # type: ignore[arg-type]
        assert (await http.get_response()).status == 404
    async with WebsocketCommunicator(starlette_app, "/ws", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        await ws.send_to(text_data="hi")
        assert await ws.receive_from() == "HI"
        assert await ws.receive_from() == b"raw"
        assert await ws.receive_json_from() == {"j": 1}
        close = await ws.receive_output()
        assert close["code"] == 4001
    async with WebsocketCommunicator(starlette_app, "/reject", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0] is False
    # Starlette's error paths: HTTPException, WebSocketException before accept (a close with
    # code 1008 and a reason: R86, pedantic), and an endpoint that raises (its 500 is sent by
    # ServerErrorMiddleware, which then re-raises, as Starlette does under every server).
    async with HttpCommunicator(starlette_app, "GET", "/forbidden", strict=strict) as http:  # type: ignore[arg-type]
        assert (await http.get_response()).status == 403
    async with WebsocketCommunicator(starlette_app, "/policy", strict=strict) as ws:  # type: ignore[arg-type]
        assert await ws.connect() == (False, 1008)
    raised: BaseException | None = None
    try:
        async with HttpCommunicator(starlette_app, "GET", "/boom", strict=strict) as http:  # type: ignore[arg-type]
            await http.get_response()
    except RuntimeError as error:
        raised = error
    assert raised is not None
    assert str(raised) == "the endpoint is broken"
    assert http.transcript.sent_by_app()[0]["status"] == 500
    # With the pathsend extension advertised, FileResponse hands the path to the server.
    pathsend = {"extensions": {"http.response.pathsend": {}}}
    async with HttpCommunicator(
        starlette_app,
        "GET",
        "/file",
        scope=pathsend,
        strict=strict,  # type: ignore[arg-type]
    ) as http:
        await http.send_input({"type": "http.request", "body": b""})
        assert (await http.receive_output())["type"] == "http.response.start"
        assert await http.receive_output() == {"type": "http.response.pathsend", "path": FILE_PATH}
    # Spec 2.4: StreamingResponse stops listening for http.disconnect and relies on OSError.
    async with HttpCommunicator(
        starlette_app,
        "GET",
        "/stream",
        spec_version="2.4",
        strict=strict,  # type: ignore[arg-type]
    ) as http:
        assert (await http.get_response()).body == b"s0s1s2"
    await _lifespan_roundtrip(starlette_app, strict)


async def scenario_fastapi(strict: str) -> None:
    background_done.clear()
    async with HttpCommunicator(fastapi_app, "GET", "/items/3", strict=strict) as http:  # type: ignore[arg-type]
        response = await http.get_response()
        assert response.json() == {"item_id": 3}
        await http.wait()
    assert background_done == ["item 3"]
    async with HttpCommunicator(fastapi_app, "GET", "/sync", strict=strict) as http:  # type: ignore[arg-type]
        assert (await http.get_response()).json() == {"sync": "yes"}
    async with HttpCommunicator(fastapi_app, "GET", "/items/x", strict=strict) as http:  # type: ignore[arg-type]
        assert (await http.get_response()).status == 422
    # The WebSocket validation path: closed before accept, code 1008, the errors as a list
    # reason (R82 and R86, both pedantic there: servers answer 403 and never read it).
    async with WebsocketCommunicator(fastapi_app, "/ws/items/x", strict=strict) as ws:  # type: ignore[arg-type]
        assert await ws.connect() == (False, 1008)
        reason = ws.transcript.sent_by_app()[0]["reason"]
        assert isinstance(reason, list)
        assert reason[0]["loc"] == ["path", "item_id"]
    async with WebsocketCommunicator(fastapi_app, "/ws/items/7", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        assert await ws.receive_json_from() == {"item_id": 7}
    async with WebsocketCommunicator(fastapi_app, "/ws", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        await ws.send_json_to({"q": 1})
        assert await ws.receive_json_from() == {"echo": {"q": 1}}
        assert (await ws.receive_output())["type"] == "websocket.close"
    await _lifespan_roundtrip(fastapi_app, strict)


# ---------------------------------------------------------------------------- Quart

import quart  # noqa: E402

quart_app = quart.Quart(__name__)


@quart_app.route("/")
async def quart_index() -> str:
    return "quart"


@quart_app.route("/stream")
async def quart_stream() -> Any:
    async def chunks() -> Any:
        for i in range(3):
            yield f"q{i}".encode()

    return chunks(), 200, {"Content-Type": "text/plain"}


@quart_app.route("/file")
async def quart_file() -> Any:
    return await quart.send_file(FILE_PATH)


@quart_app.websocket("/ws")
async def quart_ws() -> None:
    data = await quart.websocket.receive()
    await quart.websocket.send(f"quart:{data}")


async def scenario_quart(strict: str) -> None:
    await _lifespan_roundtrip(quart_app, strict)
    for url, expected in [("/", b"quart"), ("/stream", b"q0q1q2"), ("/file", FILE_CONTENT)]:
        async with HttpCommunicator(quart_app, "GET", url, strict=strict) as http:  # type: ignore[arg-type]
            response = await http.get_response()
            assert (response.status, response.body) == (200, expected), url
    async with WebsocketCommunicator(quart_app, "/ws", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        await ws.send_to(text_data="hi")
        assert await ws.receive_from() == "quart:hi"
        await ws.disconnect()


# ---------------------------------------------------------------------------- Litestar

from litestar import Litestar, WebSocket as LitestarWebSocket, get, websocket  # noqa: E402
from litestar.response import File, Stream  # noqa: E402


@get("/")
async def ls_index() -> str:
    return "litestar"


@get("/stream")
async def ls_stream() -> Stream:
    async def chunks() -> Any:
        for i in range(3):
            yield f"l{i}"

    return Stream(chunks())


@get("/file")
async def ls_file() -> File:
    return File(FILE_PATH, filename="data.txt")


@websocket("/ws")
async def ls_ws(socket: LitestarWebSocket[Any, Any, Any]) -> None:
    await socket.accept()
    data = await socket.receive_text()
    await socket.send_text(f"litestar:{data}")
    await socket.close()


litestar_app = Litestar(route_handlers=[ls_index, ls_stream, ls_file, ls_ws])


async def scenario_litestar(strict: str) -> None:
    await _lifespan_roundtrip(litestar_app, strict)
    for url, expected in [("/", b"litestar"), ("/stream", b"l0l1l2"), ("/file", FILE_CONTENT)]:
        async with HttpCommunicator(litestar_app, "GET", url, strict=strict) as http:  # type: ignore[arg-type]
            response = await http.get_response()
            assert (response.status, response.body) == (200, expected), url
    async with WebsocketCommunicator(litestar_app, "/ws", strict=strict) as ws:  # type: ignore[arg-type]
        assert (await ws.connect())[0]
        await ws.send_to(text_data="hi")
        assert await ws.receive_from() == "litestar:hi"
        assert (await ws.receive_output())["type"] == "websocket.close"


SCENARIOS = {
    "django": scenario_django,
    "channels": scenario_channels,
    "starlette": scenario_starlette,
    "fastapi": scenario_fastapi,
    "quart": scenario_quart,
    "litestar": scenario_litestar,
}
# Django's handler, Channels and Quart need asyncio (sync_to_async, asyncio primitives).
ASYNCIO_ONLY = {"django", "channels", "quart"}
