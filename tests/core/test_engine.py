"""The engine (asgitest._core): its clock and timeouts, tracebacks, several readers, and the
behaviour the hot-path optimizations (#8) must keep."""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from typing import Any

import pytest

from asgitest import HttpCommunicator, Timeout, WebsocketCommunicator

pytestmark = pytest.mark.anyio


async def ok_app(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def echo_app(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        await send({"type": "websocket.send", "text": message["text"]})


async def test_dropping_a_communicator_whose_app_just_returned_does_not_warn(anyio_backend):
    if anyio_backend == "trio":
        pytest.skip("the channels-style call without `async with` exists on asyncio only")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = await HttpCommunicator(ok_app, "GET", "/").get_response()
        gc.collect()
    assert response.body == b"ok"
    assert [w for w in caught if "dropped" in str(w.message)] == []


async def test_a_shorter_wait_after_a_longer_one_still_times_out_on_time():
    async with WebsocketCommunicator(echo_app, "/") as communicator:
        await communicator.connect(timeout=30)
        await communicator.send_to(text_data="a")
        assert await communicator.receive_from(timeout=30) == "a"
        start = time.monotonic()
        with pytest.raises(Timeout):
            await communicator.receive_from(timeout=0.05)
        assert time.monotonic() - start < 10  # fired long before the first wait's 30 s
        await communicator.send_to(text_data="b")
        assert await communicator.receive_from(timeout=30) == "b"
        await communicator.disconnect()


async def test_many_quick_waits_then_a_timeout():
    async with WebsocketCommunicator(echo_app, "/") as communicator:
        await communicator.connect()
        for index in range(200):
            await communicator.send_to(text_data=str(index))
            assert await communicator.receive_from(timeout=0.5) == str(index)
        with pytest.raises(Timeout):
            await communicator.receive_from(timeout=0.02)
        await communicator.disconnect()


async def test_wait_without_timeout_after_waits_with_one():
    async with WebsocketCommunicator(echo_app, "/", timeout=None) as communicator:
        await communicator.connect(timeout=0.01 * 1000)
        await communicator.send_to(text_data="x")
        assert await communicator.receive_from(timeout=None) == "x"
        await communicator.disconnect()


async def test_an_app_that_raises_is_reported_with_its_own_exception():
    async def crash(scope, receive, send):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        async with HttpCommunicator(crash, "GET", "/") as communicator:
            await communicator.get_response(timeout=30)


async def test_dropping_a_websocket_communicator_whose_app_just_closed_does_not_warn(anyio_backend):
    if anyio_backend == "trio":
        pytest.skip("the channels-style call without `async with` exists on asyncio only")

    async def close_at_once(scope, receive, send):
        await receive()
        await send({"type": "websocket.close", "code": 1000})

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        connected, code = await WebsocketCommunicator(close_at_once, "/").connect()
        gc.collect()
    assert (connected, code) == (False, 1000)
    assert [w for w in caught if "dropped" in str(w.message)] == []


async def silent_app(scope, receive, send):
    await receive()
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def test_concurrent_waits_on_two_communicators_each_time_out_on_their_own_deadline():
    # The waits of one event loop share one lazy timer: a nearer deadline must still fire on
    # time while a farther one waits, and the farther one must fire after the nearer one.
    import anyio

    ended: dict[str, float] = {}

    async def wait_for_nothing(name: str, communicator: WebsocketCommunicator, timeout: float):
        with pytest.raises(Timeout):
            await communicator.receive_output(timeout=timeout)
        ended[name] = time.monotonic()

    async with (
        WebsocketCommunicator(silent_app, "/") as slow,
        WebsocketCommunicator(silent_app, "/") as quick,
    ):
        await slow.send_input({"type": "websocket.connect"})
        await quick.send_input({"type": "websocket.connect"})
        start = time.monotonic()
        async with anyio.create_task_group() as group:
            group.start_soon(wait_for_nothing, "slow", slow, 0.3)
            await anyio.sleep(0.01)
            group.start_soon(wait_for_nothing, "quick", quick, 0.05)
        assert ended["quick"] < ended["slow"]
        assert ended["quick"] - start < 0.3 + 5  # did not wait for the slow one's deadline
        assert ended["slow"] - start >= 0.29
        await slow.disconnect()
        await quick.disconnect()


async def test_a_crash_traceback_starts_in_the_app_not_in_asgitest():
    async def crash(scope, receive, send):
        raise ValueError("boom")

    communicator = HttpCommunicator(crash, "GET", "/")
    with pytest.raises(ValueError, match="boom") as info:
        async with communicator:
            await communicator.get_response(timeout=30)
    names = [entry.name for entry in info.traceback]
    assert "crash" in names
    assert "_run_asyncio" not in names


async def test_get_response_goes_through_overridden_asgiref_methods():
    # The hot path skips send_input/receive_output only when a subclass does not override them.
    calls = []

    class Watched(HttpCommunicator):
        async def send_input(self, message):
            calls.append(("send_input", message["type"]))
            await super().send_input(message)

        async def receive_output(self, timeout=1):
            message = await super().receive_output(timeout)
            calls.append(("receive_output", message["type"]))
            return message

    async with Watched(ok_app, "GET", "/") as communicator:
        response = await communicator.get_response()
    assert response.body == b"ok"
    assert calls == [
        ("send_input", "http.request"),
        ("receive_output", "http.response.start"),
        ("receive_output", "http.response.body"),
    ]


async def broadcast_on_go(scope: Any, receive: Any, send: Any) -> None:
    """Accepts, then on each text frame "go N" sends frames "0" .. "N-1" in one step."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        count = int(message["text"].split()[1])
        for index in range(count):
            await send({"type": "websocket.send", "text": str(index)})


class TestSeveralReaders:
    """Several tasks may read one communicator at once, as with channels' asyncio.Queue."""

    async def test_readers_are_served_in_the_order_they_started_waiting(self) -> None:
        import anyio

        async with WebsocketCommunicator(broadcast_on_go, "/") as communicator:
            await communicator.connect()
            got: dict[int, str | bytes] = {}
            waiting = anyio.Event()

            async def reader(index: int) -> None:
                if index == 3:
                    waiting.set()
                got[index] = await communicator.receive_from()

            async with anyio.create_task_group() as group:
                for index in range(4):
                    group.start_soon(reader, index)
                    await anyio.sleep(0.01)  # each reader waits before the next starts
                await waiting.wait()
                await anyio.sleep(0.01)
                await communicator.send_to(text_data="go 4")
            assert got == {0: "0", 1: "1", 2: "2", 3: "3"}
            await communicator.disconnect()

    async def test_a_reader_that_times_out_does_not_disturb_the_others(self) -> None:
        import anyio

        async with WebsocketCommunicator(broadcast_on_go, "/") as communicator:
            await communicator.connect()
            outcomes: dict[str, Any] = {}

            async def impatient() -> None:
                try:
                    await communicator.receive_from(timeout=0.05)
                except Timeout as error:
                    outcomes["impatient"] = error

            async def patient() -> None:
                outcomes["patient"] = await communicator.receive_from(timeout=2)

            async with anyio.create_task_group() as group:
                group.start_soon(impatient)
                group.start_soon(patient)
                await anyio.sleep(0.2)  # the impatient reader gave up meanwhile
                await communicator.send_to(text_data="go 1")
            assert isinstance(outcomes["impatient"], Timeout)
            assert outcomes["patient"] == "0"
            await communicator.disconnect()

    async def test_disconnect_while_readers_wait_ends_them(self) -> None:
        import anyio

        async with WebsocketCommunicator(broadcast_on_go, "/", timeout=5) as communicator:
            await communicator.connect()
            errors: list[BaseException] = []

            async def reader() -> None:
                try:
                    await communicator.receive_from()
                except Timeout as error:
                    errors.append(error)

            started = time.monotonic()
            async with anyio.create_task_group() as group:
                group.start_soon(reader)
                group.start_soon(reader)
                await anyio.sleep(0.02)
                await communicator.disconnect()
            assert time.monotonic() - started < 2.5, "the readers were not ended promptly"
        assert len(errors) == 2
        assert all("ended without sending it" in str(error) for error in errors)

    async def test_leaving_async_with_while_readers_wait_ends_them(self) -> None:
        import anyio

        errors: list[BaseException] = []
        async with anyio.create_task_group() as group:
            async with WebsocketCommunicator(broadcast_on_go, "/", timeout=5) as communicator:
                await communicator.connect()

                async def reader() -> None:
                    try:
                        await communicator.receive_from()
                    except Timeout as error:
                        errors.append(error)

                group.start_soon(reader)
                group.start_soon(reader)
                await anyio.sleep(0.02)
        assert len(errors) == 2
        assert communicator._engine.state == "finished"

    @pytest.mark.parametrize("anyio_backend", ["asyncio"])
    async def test_a_reader_cancelled_after_its_message_arrived_passes_it_on(self) -> None:
        """asyncio's Task.cancel() can hit a reader whose message was already handed to it
        (asgiref.timeout around output_queue.get() does): the message goes to the next one."""
        async with WebsocketCommunicator(broadcast_on_go, "/") as communicator:
            await communicator.connect()
            first = asyncio.create_task(communicator.receive_from())
            await asyncio.sleep(0.01)
            second = asyncio.create_task(communicator.receive_from())
            await asyncio.sleep(0.01)
            await communicator.send_to(text_data="go 1")
            await asyncio.sleep(0)  # the app runs and hands "0" to the first reader...
            assert not first.done()
            first.cancel()  # ...which is cancelled before it resumes
            assert await second == "0"
            assert first.cancelled()
            await communicator.disconnect()
