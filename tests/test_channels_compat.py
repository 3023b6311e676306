"""Regression tests for differences found by running channels' own suite on asgitest.

Each test here pins a bug that ``scripts/channels-suite`` exposed (see scripts/README.md).
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
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

from asgiref.sync import async_to_sync, sync_to_async  # noqa: E402
from channels.consumer import AsyncConsumer  # noqa: E402
from channels.exceptions import StopConsumer  # noqa: E402
from channels.generic.http import AsyncHttpConsumer  # noqa: E402
from channels.generic.websocket import (  # noqa: E402
    AsyncJsonWebsocketConsumer,
    WebsocketConsumer,
)

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

    made = 0

    def __init__(self) -> None:
        super().__init__()
        # A serial number, not id(self): the first instance may be freed before the second is
        # made, and the second then gets the same id.
        StampedConsumer.made += 1
        self.stamp = StampedConsumer.made

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
    # Cancelled, quietly: a dropped communicator ends its app on every path, as asgiref's
    # does (an app that loops in receive() after the response would otherwise run forever).
    assert await _unwound(engine) == "cancelled"


class ClosingWebsocketConsumer(WebsocketConsumer):
    def connect(self) -> None:
        self.accept()
        self.close(code=4007, reason="bye")


async def _unwound(engine: Any) -> str:
    # A consumer needs a few loop iterations to unwind (a sync one may wait for its thread).
    for attempt in range(400):
        if engine.done:
            break
        await asyncio.sleep(0 if attempt < 100 else 0.01)
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


# ---------------------------------------------------------------- code built on channels.testing
# Third-party test helpers subclass the communicators and rely on asgiref's attribute names and
# internal call paths (CHANNELS.md section g). These keep working on asgitest.


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept(subprotocol=(self.scope["subprotocols"] or [None])[0])

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        for _ in range(content.get("repeat", 1)):
            await self.send_json({"echo": content["text"]})


class RecordingCommunicator(WebsocketCommunicator):
    """Records the calls the channels helpers make through the asgiref methods."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, Any]] = []

    async def receive_output(self, timeout: Any = 1) -> Any:
        self.calls.append(("receive_output", timeout))
        return await super().receive_output(timeout)

    async def send_input(self, message: Any) -> None:
        self.calls.append(("send_input", message["type"]))
        await super().send_input(message)

    async def wait(self, timeout: Any = 1) -> None:
        self.calls.append(("wait", timeout))
        await super().wait(timeout)

    async def connect(self, timeout: Any = 1) -> Any:
        return await super().connect(timeout)  # positionally, as helpers do

    async def disconnect(self, code: int = 1000, timeout: Any = 1) -> None:
        await super().disconnect(code, timeout)


async def test_helpers_go_through_the_asgiref_methods() -> None:
    communicator = RecordingCommunicator(ChatConsumer.as_asgi(), "/chat/", subprotocols=["v1"])
    assert await communicator.connect(2) == (True, "v1")
    await communicator.send_json_to({"text": "hi"})
    assert await communicator.receive_json_from(3) == {"echo": "hi"}
    await communicator.send_to(text_data='{"text": "raw"}')
    assert await communicator.receive_from() == '{"echo": "raw"}'
    await communicator.disconnect(1001, 4)
    assert communicator.calls == [
        ("send_input", "websocket.connect"),
        ("receive_output", 2),
        ("send_input", "websocket.receive"),
        ("receive_output", 3),
        ("send_input", "websocket.receive"),
        ("receive_output", communicator.calls[5][1]),
        ("send_input", "websocket.disconnect"),
        ("wait", 4),
    ]


async def test_future_and_queues_as_asgiref_exposes_them() -> None:
    communicator = WebsocketCommunicator(ChatConsumer.as_asgi(), "/chat/")
    assert not communicator.future.done()  # starts the app, as in asgiref
    await communicator.connect()
    assert communicator.output_queue.empty()
    await communicator.send_json_to({"text": "a", "repeat": 2})
    first = await communicator.output_queue.get()
    assert first == {"type": "websocket.send", "text": '{"echo": "a"}'}
    # The second echo was sent with the first (returns at once; the bound is for slow CI).
    assert await communicator.receive_nothing(timeout=5) is False
    assert communicator.output_queue.qsize() == 1
    assert communicator.input_queue.empty()
    await communicator.receive_json_from()
    await communicator.disconnect()
    assert communicator.future.done()
    assert communicator.future.result() is None


async def test_drain_until_timeout_then_disconnect_cleanly() -> None:
    # The loop helpers write: read until asyncio.TimeoutError. On channels the app is then
    # cancelled and disconnect() raises CancelledError; on asgitest the app keeps running.
    communicator = WebsocketCommunicator(ChatConsumer.as_asgi(), "/chat/")
    await communicator.connect()
    await communicator.send_json_to({"text": "x", "repeat": 3})
    received = [await communicator.receive_json_from(timeout=5)]
    while True:
        try:
            received.append(await communicator.receive_json_from(timeout=0.05))
        except TimeoutError:
            break
    assert received == [{"echo": "x"}] * 3
    await communicator.send_json_to({"text": "still alive"})
    assert await communicator.receive_json_from() == {"echo": "still alive"}
    await communicator.disconnect()


async def test_receive_nothing_through_async_to_sync_from_a_worker_thread() -> None:
    # A helper called from database_sync_to_async code talks to the communicator through
    # async_to_sync: the calls run in the test's loop while the helper holds the sync thread.
    # Bug: every consumer awaits aclose_old_connections() before each message, a sync_to_async
    # hop to that very thread, so the consumer stalled until the helper's receive_nothing gave
    # up, and it returned True although an answer was on its way.
    communicator = WebsocketCommunicator(ChatConsumer.as_asgi(), "/chat/")
    await communicator.connect()

    def in_worker_thread() -> tuple[bool, bool]:
        quiet = async_to_sync(communicator.receive_nothing)(timeout=0.05)
        async_to_sync(communicator.send_json_to)({"text": "ping"})
        busy = async_to_sync(communicator.receive_nothing)(timeout=5)  # False once it answers
        return quiet, busy

    assert await sync_to_async(in_worker_thread)() == (True, False)
    assert await communicator.receive_json_from() == {"echo": "ping"}
    await communicator.disconnect()


async def test_aclose_old_connections_passes_through_when_no_app_runs() -> None:
    import channels.consumer
    import channels.db

    from asgitest import _django

    async with WebsocketCommunicator(ChatConsumer.as_asgi(), "/chat/") as communicator:
        await communicator.connect()
        assert _django.active()  # the guards are closed while the app runs
    # The guards stay installed and pass through to channels' own functions again.
    assert not _django.active()
    for module in (channels.consumer, channels.db):
        guard = module.aclose_old_connections
        assert guard._asgitest_guard is True
        assert guard.__wrapped__.__module__ == "channels.db"
    assert channels.db.close_old_connections.__wrapped__.__module__ == "django.db"


# ---------------------------------------------------------------- scripts/channels-suite


def test_channels_suite_plugin_puts_asgitest_in_place_of_channels_testing(tmp_path: Path) -> None:
    # The suite itself needs a django/channels checkout and is not run here; its swap plugin is.
    script = Path(__file__).resolve().parent.parent / "scripts" / "channels-suite"
    namespace: dict[str, Any] = {"__name__": "channels_suite", "__file__": str(script)}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    (tmp_path / "swap_plugin.py").write_text(namespace["PLUGIN"])
    probe = (
        "import swap_plugin, asgitest\n"
        "swap_plugin.pytest_configure(None)\n"
        "from channels.testing import ApplicationCommunicator, HttpCommunicator, "
        "WebsocketCommunicator\n"
        "import channels.testing\n"
        "print(ApplicationCommunicator is asgitest.ApplicationCommunicator,"
        " HttpCommunicator is asgitest.HttpCommunicator,"
        " WebsocketCommunicator is asgitest.WebsocketCommunicator,"
        " channels.testing.__doc__)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    env.pop("CHANNELS_SUITE_STRICT", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True True True asgitest standing in for channels.testing"


# The override contract: a subclass may override any public method; asgitest's internals call
# the overridable method where channels and asgiref do, and never call back into an override
# from elsewhere (a helper many projects copy reads output_queue.get() in receive_output()).


# The helper as projects copy it uses asgiref.timeout, which asgiref now deprecates.
_ASGIREF_TIMEOUT = pytest.mark.filterwarnings("ignore:asgiref.timeout.timeout is deprecated")


class NoCancelCommunicator(WebsocketCommunicator):
    """The helper: a receive timeout that does not cancel the app (asgiref.timeout)."""

    async def receive_output(self, timeout: Any = 1) -> Any:
        from asgiref.timeout import timeout as async_timeout

        async with async_timeout(timeout):
            return await self.output_queue.get()


@_ASGIREF_TIMEOUT
async def test_receive_output_overridden_through_output_queue_get() -> None:
    communicator = NoCancelCommunicator(ChatConsumer.as_asgi(), "/chat/", subprotocols=["v1"])
    assert await communicator.connect() == (True, "v1")
    await communicator.send_json_to({"text": "hi", "repeat": 2})
    assert await communicator.receive_json_from() == {"echo": "hi"}
    assert await communicator.receive_from() == '{"echo": "hi"}'
    with pytest.raises(asyncio.TimeoutError):
        await communicator.receive_json_from(timeout=0.05)
    # The timeout cancelled the test's wait, not the app.
    await communicator.send_json_to({"text": "again"})
    assert await communicator.receive_json_from() == {"echo": "again"}
    await communicator.disconnect()
    assert communicator.future.done()


@_ASGIREF_TIMEOUT
async def test_several_readers_through_gather() -> None:
    communicator = NoCancelCommunicator(ChatConsumer.as_asgi(), "/chat/")
    await communicator.connect()
    await communicator.send_json_to({"text": "all", "repeat": 3})
    assert (
        await asyncio.gather(*(communicator.receive_json_from() for _ in range(3)))
        == [{"echo": "all"}] * 3
    )
    plain = WebsocketCommunicator(ChatConsumer.as_asgi(), "/chat/")
    await plain.connect()
    readers = asyncio.gather(*(plain.receive_json_from(timeout=2) for _ in range(3)))
    await asyncio.sleep(0.01)  # all three wait before anything is sent
    await plain.send_json_to({"text": "late", "repeat": 3})
    assert await readers == [{"echo": "late"}] * 3
    await plain.disconnect()
    await communicator.disconnect()


class StampingHttpCommunicator(HttpCommunicator):
    """Overrides send_input and receive_output as recording helpers do."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[str] = []

    async def send_input(self, message: Any) -> None:
        self.seen.append(f"in:{message['type']}")
        await super().send_input(message)

    async def receive_output(self, timeout: Any = 1) -> Any:
        from asgiref.timeout import timeout as async_timeout

        async with async_timeout(timeout):
            message = await self.output_queue.get()
        self.seen.append(f"out:{message['type']}")
        return message


@_ASGIREF_TIMEOUT
async def test_get_response_goes_through_overridden_methods() -> None:
    communicator = StampingHttpCommunicator(StampedConsumer.as_asgi(), "GET", "/")
    response = await communicator.get_response()
    assert response["status"] == 200
    assert communicator.seen == ["in:http.request", "out:http.response.start"] + [
        "out:http.response.body"
    ] * (len(communicator.seen) - 2)
    assert len(communicator.seen) >= 3
