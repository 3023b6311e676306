"""Regression tests for differences found by running channels' own suite on asgitest.

Each test here pins a bug that ``scripts/channels-suite`` exposed (see scripts/README.md).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("channels")

_FRAMEWORKS = str(Path(__file__).resolve().parent / "frameworks")
if _FRAMEWORKS not in sys.path:
    sys.path.insert(0, _FRAMEWORKS)
from django_setup import setup_django  # noqa: E402

setup_django()

from channels.consumer import AsyncConsumer  # noqa: E402
from channels.exceptions import StopConsumer  # noqa: E402
from channels.generic.http import AsyncHttpConsumer  # noqa: E402
from channels.generic.websocket import WebsocketConsumer  # noqa: E402

from asgitest import HttpCommunicator, WebsocketCommunicator  # noqa: E402

pytestmark = pytest.mark.anyio


class PlainHttpConsumer(AsyncConsumer):
    """A bare consumer, passed as an *instance* (channels' tests/test_testing.py does this)."""

    async def http_request(self, event: dict[str, object]) -> None:
        await self.send({"type": "http.response.start", "status": 200, "headers": []})
        await self.send({"type": "http.response.body", "body": b"instance"})

    async def http_disconnect(self, event: dict[str, object]) -> None:
        raise StopConsumer()


class StampedConsumer(AsyncHttpConsumer):
    """``__init__`` takes no arguments, and as_asgi() copies the class onto ``__wrapped__``."""

    def __init__(self) -> None:
        super().__init__()
        self.stamp = id(self)

    async def handle(self, body: bytes) -> None:
        await self.send_response(200, str(self.stamp).encode())


@pytest.fixture
def anyio_backend() -> str:
    # Channels consumers are asyncio-only (asgiref's sync_to_async, channel layers).
    return "asyncio"


async def test_consumer_instance_is_an_application() -> None:
    # Bug: an instance whose class has an async __call__ was rejected as "a synchronous
    # callable", so every channels test that passes SimpleHttpApp() failed at construction.
    async with HttpCommunicator(PlainHttpConsumer(), "GET", "/") as communicator:
        response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b"instance"


async def test_as_asgi_with_a_no_argument_init() -> None:
    # Bug: as_asgi() sets __wrapped__ to the consumer class, and inspect.signature followed it
    # to StampedConsumer(), so the app "could not be called with three arguments".
    app = StampedConsumer.as_asgi()
    async with HttpCommunicator(app, "GET", "/one/") as first:
        one = await first.get_response()
    async with HttpCommunicator(app, "GET", "/two/") as second:
        two = await second.get_response()
    assert one["status"] == two["status"] == 200
    assert one["body"] != two["body"]  # a consumer instance per scope


class LingeringHttpConsumer(AsyncConsumer):
    """Like channels' SimpleHttpApp: no ``http.disconnect`` handler, so after the response it
    is still running when the test drops the communicator."""

    async def http_request(self, event: dict[str, object]) -> None:
        await self.send({"type": "http.response.start", "status": 200, "headers": []})
        await self.send({"type": "http.response.body", "body": b"done"})


async def test_dropping_an_http_communicator_after_its_response_is_quiet() -> None:
    # Bug: every channels-style HTTP test (get_response(), then nothing) emitted a
    # LeakedAppWarning from __del__, which is an error under `-W error`/filterwarnings.
    communicator = HttpCommunicator(LingeringHttpConsumer(), "GET", "/")
    response = await communicator.get_response()
    assert response["body"] == b"done"
    engine = communicator._engine
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del communicator
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert await _unwound(engine) == "cancelled"


class ClosingWebsocketConsumer(WebsocketConsumer):
    def connect(self) -> None:
        self.accept()
        self.close(code=4007, reason="bye")


async def _unwound(engine: Any) -> str:
    for _ in range(100):  # a consumer needs a few loop iterations to unwind
        if engine.done:
            break
        await asyncio.sleep(0)
    return str(engine.state)


async def test_dropping_a_websocket_the_app_closed_is_quiet() -> None:
    # Bug: channels' test_close_reason (connect, read the close, stop) warned as a leak.
    communicator = WebsocketCommunicator(ClosingWebsocketConsumer.as_asgi(), "/")
    assert await communicator.connect() == (True, None)
    close = await communicator.receive_output()
    assert close == {"type": "websocket.close", "code": 4007, "reason": "bye"}
    engine = communicator._engine
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del communicator
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert await _unwound(engine) in ("finished", "cancelled")
