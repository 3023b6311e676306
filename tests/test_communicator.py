"""The engine's semantics through ApplicationCommunicator, on asyncio and trio."""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from typing import Any

import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    LeakedAppWarning,
    Timeout,
    UsageError,
    WebsocketCommunicator,
    set_timeout_factor,
)

from . import apps

pytestmark = pytest.mark.anyio


def ws_scope(path: str = "/ws/") -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "subprotocols": [],
    }


class TestSendAndReceive:
    async def test_round_trip(self) -> None:
        async with ApplicationCommunicator(apps.echo_websocket, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            assert await communicator.receive_output() == {"type": "websocket.accept"}
            await communicator.send_input({"type": "websocket.receive", "text": "hi"})
            assert await communicator.receive_output() == {"type": "websocket.send", "text": "hi"}

    async def test_scope_is_the_same_object(self) -> None:
        scope = ws_scope()
        async with ApplicationCommunicator(apps.mutate_scope, scope) as communicator:
            assert communicator.scope is scope
            await communicator.send_input({"type": "websocket.connect"})
            await communicator.receive_output()
            assert scope["seen_by_app"] is True

    async def test_app_runs_in_an_empty_context(self) -> None:
        token = apps.request_var.set("from the test")
        try:
            async with WebsocketCommunicator(apps.read_context, "/") as communicator:
                await communicator.connect()
                assert await communicator.receive_from() == "unset"
        finally:
            apps.request_var.reset(token)

    async def test_asgi2_application(self) -> None:
        async with HttpCommunicator(apps.Asgi2App, "GET", "/") as communicator:
            response = await communicator.get_response()
        assert response["status"] == 204

    async def test_instance_with_async_call(self) -> None:
        async with HttpCommunicator(apps.InstanceApp(), "GET", "/") as communicator:
            response = await communicator.get_response()
        assert response.body == b"Hello, world"


class TestAppExceptions:
    async def test_surfaces_at_once_as_itself(self) -> None:
        communicator = HttpCommunicator(apps.raise_at_once, "GET", "/", timeout=30)
        started = time.monotonic()
        async with communicator:
            with pytest.raises(ValueError, match="the app is broken") as info:
                await communicator.get_response()
        assert time.monotonic() - started < 10, "reported at once, not after the 30 s timeout"
        # the traceback reaches into the app
        assert any(entry.name == "raise_at_once" for entry in info.traceback)

    async def test_later_calls_raise_it_again(self) -> None:
        async with HttpCommunicator(apps.raise_at_once, "GET", "/") as communicator:
            with pytest.raises(ValueError):
                await communicator.get_response()
            with pytest.raises(ValueError):
                await communicator.receive_output()
            with pytest.raises(ValueError):
                await communicator.wait()

    async def test_async_with_reraises_an_unreported_exception(self) -> None:
        with pytest.raises(ValueError, match="the app is broken"):
            async with ApplicationCommunicator(apps.raise_at_once, ws_scope()) as communicator:
                await communicator.send_input({"type": "websocket.connect"})

    async def test_reported_exception_is_not_raised_twice(self) -> None:
        async with HttpCommunicator(apps.raise_at_once, "GET", "/") as communicator:
            with pytest.raises(ValueError):
                await communicator.get_response()
        # leaving the block did not raise it again

    async def test_body_failure_wins_and_mentions_the_app_failure(self) -> None:
        with pytest.raises(KeyError) as info:
            async with ApplicationCommunicator(apps.raise_at_once, ws_scope()) as communicator:
                await communicator.send_input({"type": "websocket.connect"})
                await asyncio_or_trio_sleep(0.05)
                raise KeyError("test body")
        notes = "\n".join(getattr(info.value, "__notes__", []))
        assert "the app is broken" in notes


class TestTimeout:
    async def test_is_a_builtin_and_asyncio_timeout_error(self) -> None:
        assert issubclass(Timeout, TimeoutError)
        assert issubclass(Timeout, asyncio.TimeoutError)

    async def test_message_says_what_was_awaited_and_shows_the_transcript(self) -> None:
        async with WebsocketCommunicator(apps.echo_websocket, "/ws/chat/") as communicator:
            await communicator.connect()
            with pytest.raises(Timeout) as info:
                await communicator.receive_from(timeout=0.05)
        error = info.value
        text = str(error)
        assert 'waiting for "websocket.send"' in text
        assert "0.05s" in text
        assert "websocket /ws/chat/" in text
        assert "blocked in receive()" in text
        assert error.app_state == "running"
        assert error.timeout == pytest.approx(0.05)
        notes = "\n".join(error.__notes__)
        assert '"websocket.connect"' in notes
        assert '"websocket.accept"' in notes

    async def test_fires_roughly_on_time(self) -> None:
        async with ApplicationCommunicator(apps.silent, ws_scope()) as communicator:
            started = time.monotonic()
            with pytest.raises(Timeout):
                await communicator.receive_output(0.2)
            elapsed = time.monotonic() - started
        assert 0.15 <= elapsed < 5

    async def test_does_not_cancel_the_app(self) -> None:
        async with WebsocketCommunicator(apps.echo_websocket, "/") as communicator:
            await communicator.connect()
            with pytest.raises(Timeout):
                await communicator.receive_from(timeout=0.01)
            await communicator.send_to(text_data="still there?")
            assert await communicator.receive_from() == "still there?"
            await communicator.disconnect()

    async def test_app_that_returned_is_reported_without_waiting(self) -> None:
        communicator = ApplicationCommunicator(apps.return_at_once, ws_scope(), strict="off")
        async with communicator:
            started = time.monotonic()
            with pytest.raises(Timeout, match="ended without sending it") as info:
                await communicator.receive_output(30)
            assert time.monotonic() - started < 10
        assert info.value.app_state == "finished"

    async def test_communicator_default_timeout(self) -> None:
        async with ApplicationCommunicator(apps.silent, ws_scope(), timeout=0.05) as communicator:
            with pytest.raises(Timeout, match="0.05s"):
                await communicator.receive_output()

    async def test_timeout_factor_scales_waits(self) -> None:
        set_timeout_factor(3)
        try:
            async with ApplicationCommunicator(apps.silent, ws_scope()) as communicator:
                with pytest.raises(Timeout) as info:
                    await communicator.receive_output(0.02)
            assert info.value.timeout == pytest.approx(0.06)
        finally:
            set_timeout_factor(None)

    async def test_none_waits_until_the_message_comes(self) -> None:
        async def slow(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await asyncio_or_trio_sleep(0.1)
            await send({"type": "websocket.accept"})
            await receive()

        async with ApplicationCommunicator(slow, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            assert (await communicator.receive_output(None))["type"] == "websocket.accept"


async def asyncio_or_trio_sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)


class TestReceiveNothing:
    async def test_true_when_nothing_comes(self) -> None:
        async with ApplicationCommunicator(apps.silent, ws_scope()) as communicator:
            assert await communicator.receive_nothing(0.05) is True

    async def test_false_at_once_when_output_is_pending_and_not_consumed(self) -> None:
        async with WebsocketCommunicator(apps.echo_websocket, "/") as communicator:
            await communicator.connect()
            await communicator.send_to(text_data="x")
            await communicator.receive_nothing(0)  # lets the app run
            started = time.monotonic()
            assert await communicator.receive_nothing(30) is False
            assert time.monotonic() - started < 10
            assert await communicator.receive_from() == "x"

    async def test_timeout_zero_still_yields_to_the_app(self) -> None:
        async with WebsocketCommunicator(apps.echo_websocket, "/") as communicator:
            await communicator.connect()
            await communicator.send_to(text_data="x")
            assert await communicator.receive_nothing(timeout=0) is False

    async def test_reports_a_crash_during_the_window(self) -> None:
        async def crash_later(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await asyncio_or_trio_sleep(0.02)
            raise ValueError("crashed while the test watched")

        async with ApplicationCommunicator(crash_later, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            with pytest.raises(ValueError, match="crashed while the test watched"):
                await communicator.receive_nothing(5)

    async def test_returns_early_when_the_app_returned(self) -> None:
        communicator = ApplicationCommunicator(apps.return_at_once, ws_scope(), strict="off")
        async with communicator:
            started = time.monotonic()
            assert await communicator.receive_nothing(30) is True
            assert time.monotonic() - started < 10


class TestWaitAndStop:
    async def test_wait_raises_timeout_for_an_app_that_does_not_finish(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LeakedAppWarning)
            async with ApplicationCommunicator(apps.ignore_disconnect, ws_scope()) as communicator:
                await communicator.send_input({"type": "websocket.connect"})
                with pytest.raises(Timeout, match="the app to return") as info:
                    await communicator.wait(0.05)
                assert info.value.app_state == "running"
                communicator.stop()

    async def test_wait_raises_the_app_exception(self) -> None:
        async with ApplicationCommunicator(apps.raise_at_once, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            with pytest.raises(ValueError):
                await communicator.wait()

    async def test_stop_cancels_a_running_app(self) -> None:
        async with ApplicationCommunicator(apps.silent, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            communicator.stop()
            await communicator.wait()
            assert communicator._engine.state == "cancelled"

    async def test_stop_reraises_a_finished_app_exception(self) -> None:
        async with ApplicationCommunicator(apps.raise_at_once, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            await asyncio_or_trio_sleep(0.02)
            with pytest.raises(ValueError):
                communicator.stop()
            communicator.stop(exceptions=False)


class TestCleanup:
    async def test_async_with_exit_leaves_no_running_app(self) -> None:
        async with WebsocketCommunicator(apps.echo_websocket, "/") as communicator:
            await communicator.connect()
        assert communicator._engine.state == "finished"
        # the app saw a websocket.disconnect
        assert communicator.transcript.messages()[-1]["type"] == "websocket.disconnect"

    async def test_app_ignoring_the_disconnect_is_cancelled_with_a_warning(self) -> None:
        communicator = WebsocketCommunicator(apps.ignore_disconnect, "/ws/stuck/", timeout=0.05)
        with pytest.warns(LeakedAppWarning, match="websocket /ws/stuck/"):
            async with communicator:
                await communicator.connect()
        assert communicator._engine.state == "cancelled"

    async def test_disconnect_cancels_an_app_that_ignores_it_and_warns(self) -> None:
        communicator = WebsocketCommunicator(apps.ignore_disconnect, "/ws/stuck/")
        async with communicator:
            await communicator.connect()
            with pytest.warns(LeakedAppWarning, match="did not return after websocket.disconnect"):
                await communicator.disconnect(timeout=0.05)
            assert communicator._engine.state == "cancelled"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
class TestUnstructuredUseOnAsyncio:
    """channels-style use: construct anywhere, await methods, no explicit cleanup."""

    async def test_constructed_outside_a_loop_and_used_inside(self) -> None:
        communicator = _build_in_sync_code()
        connected, _ = await communicator.connect()
        assert connected
        await communicator.disconnect()

    async def test_dropped_running_communicator_is_cancelled_with_a_warning(self) -> None:
        communicator = WebsocketCommunicator(apps.echo_websocket, "/ws/dropped/")
        await communicator.connect()
        engine = communicator._engine
        with pytest.warns(LeakedAppWarning, match="dropped while its app was still running"):
            del communicator
            gc.collect()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert engine.state == "cancelled"

    async def test_future_and_queues_behave_like_asgiref(self) -> None:
        communicator = WebsocketCommunicator(apps.echo_websocket, "/")
        assert isinstance(communicator.future, asyncio.Task)
        await communicator.input_queue.put({"type": "websocket.connect"})
        assert (await communicator.output_queue.get())["type"] == "websocket.accept"
        assert communicator.output_queue.empty()
        await communicator.disconnect()
        assert communicator.future.done()
        assert communicator.future.result() is None


def _build_in_sync_code() -> WebsocketCommunicator:
    return WebsocketCommunicator(apps.echo_websocket, "/")


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_without_async_with_says_to_use_it() -> None:
    communicator = WebsocketCommunicator(apps.echo_websocket, "/")
    with pytest.raises(UsageError, match="async with"):
        await communicator.connect()


def test_failed_constructor_leaves_no_del_noise() -> None:
    with pytest.raises(TypeError):
        WebsocketCommunicator(apps.echo_websocket, b"/bytes-path")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        HttpCommunicator(apps.hello_world, "GET", "/", body="text")  # type: ignore[arg-type]
    gc.collect()  # with filterwarnings=error, any __del__ noise would fail this test


def test_communicator_repr() -> None:
    communicator = HttpCommunicator(apps.hello_world, "GET", "/items?page=2")
    assert repr(communicator) == "<HttpCommunicator http GET /items?page=2 [not started]>"


async def answer_then_loop(scope: Any, receive: Any, send: Any) -> None:
    """Answers the request, then keeps calling receive() (ignores http.disconnect)."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"done"})
    while True:
        await receive()


class TestHandWrittenScopes:
    async def test_a_partial_http_scope_is_completed_as_a_server_would(self) -> None:
        scope: dict[str, Any] = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": b"",
            "headers": [],
        }
        async with ApplicationCommunicator(apps.hello_world, scope) as communicator:
            await communicator.send_input({"type": "http.request", "body": b""})
            assert (await communicator.receive_output())["status"] == 200
        assert communicator.scope is scope  # the same object, completed in place
        assert scope["http_version"] == "1.1"
        assert scope["asgi"]["version"] == "3.0"
        assert scope["scheme"] == "http"
        assert scope["raw_path"] == b"/"
        assert scope["root_path"] == ""
        assert scope["client"]
        assert scope["server"]

    async def test_only_the_keys_the_app_reads(self) -> None:
        scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": []}
        async with ApplicationCommunicator(apps.hello_world, scope) as communicator:
            await communicator.send_input({"type": "http.request", "body": b""})
            assert (await communicator.receive_output())["status"] == 200
        assert scope["query_string"] == b""

    async def test_a_partial_websocket_scope_keeps_channels_top_level_spec_version(self) -> None:
        scope: dict[str, Any] = {"type": "websocket", "path": "/ws/", "spec_version": "2.3"}
        async with ApplicationCommunicator(apps.echo_websocket, scope) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            assert (await communicator.receive_output())["type"] == "websocket.accept"
        assert scope["asgi"] == {"version": "3.0", "spec_version": "2.3"}
        assert scope["scheme"] == "ws"
        assert scope["subprotocols"] == []

    async def test_a_value_the_test_gave_wrong_is_still_reported(self) -> None:
        from asgitest import ProtocolError

        with pytest.raises(ProtocolError, match="R23"):
            ApplicationCommunicator(apps.hello_world, {"type": "http", "http_version": "9"})


class TestWaitEndsTheApp:
    async def test_wait_timeout_cancels_the_app_and_says_where_it_waits(self) -> None:
        async with HttpCommunicator(answer_then_loop, "GET", "/") as communicator:
            await communicator.get_response()
            with pytest.raises(Timeout) as caught:
                await communicator.wait(timeout=0.1)
            assert communicator._engine.state == "cancelled"
        text = str(caught.value)
        assert "has sent 2 messages" in text, text
        assert '"http.response.body"' in text
        assert 'keeps calling receive(), which returns "http.disconnect"' in text
        assert "asgitest cancelled the app" in text

    async def test_wait_timeout_on_an_app_blocked_in_receive(self) -> None:
        async with ApplicationCommunicator(apps.silent, ws_scope()) as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            with pytest.raises(Timeout, match="blocked in receive"):
                await communicator.wait(timeout=0.05)
            assert communicator._engine.state == "cancelled"

    @pytest.mark.parametrize("anyio_backend", ["asyncio"])
    async def test_a_dropped_communicator_cancels_an_app_looping_in_receive(self) -> None:
        # Channels-style (no async with): get_response(), then drop the communicator.
        communicator = HttpCommunicator(answer_then_loop, "GET", "/")
        await communicator.get_response()
        engine = communicator._engine
        task = engine.task
        del communicator
        gc.collect()
        await asyncio.sleep(0.01)
        assert engine.state == "cancelled"
        assert task is not None
        assert task.done()

    @pytest.mark.parametrize("anyio_backend", ["asyncio"])
    async def test_wait_as_clean_up_after_a_timeout_leaves_nothing_running(self) -> None:
        communicator = HttpCommunicator(answer_then_loop, "GET", "/")
        await communicator.get_response()
        with pytest.raises(Timeout):
            await communicator.wait(timeout=0.3)
        task = communicator._engine.task
        del communicator
        gc.collect()
        assert task is not None
        assert task.done()
        apps_pending = [
            t
            for t in asyncio.all_tasks()
            if getattr(t.get_coro(), "__qualname__", "").startswith("Engine.")
        ]
        assert not apps_pending, apps_pending
