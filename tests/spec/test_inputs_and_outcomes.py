"""What the test delivers to the app is checked too (R12), and how the app ends is judged:
exceptions surface as themselves with a note, and a client that went away excuses everything."""

from __future__ import annotations

from typing import Any

import pytest

from asgitest import (
    ApplicationCommunicator,
    ClientDisconnected,
    HttpCommunicator,
    ProtocolError,
    WebsocketCommunicator,
)

from .drivers import LIFESPAN_SCOPE

pytestmark = pytest.mark.anyio


async def waits_forever(scope: Any, receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] in ("http.disconnect", "websocket.disconnect"):
            return


async def accept_then_wait(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await waits_forever(scope, receive, send)


class TestHttpInput:
    @pytest.mark.parametrize(
        ("message", "rule", "field"),
        [
            ({"type": "websocket.receive", "text": "x"}, "R12", "type"),
            ({"type": "http.request", "body": "text"}, "R37", "body"),
            ({"type": "http.request", "body": b"", "more_body": "yes"}, "R37", "more_body"),
        ],
    )
    async def test_invalid_input_is_refused(self, message: Any, rule: str, field: str) -> None:
        async with HttpCommunicator(waits_forever, "GET", "/") as communicator:
            with pytest.raises(ProtocolError) as info:
                await communicator.send_input(message)
            assert (info.value.rule_id, info.value.field) == (rule, field)

    async def test_request_after_the_final_chunk_is_refused(self) -> None:
        async with HttpCommunicator(waits_forever, "GET", "/") as communicator:
            await communicator.send_input({"type": "http.request", "body": b"a"})
            with pytest.raises(ProtocolError, match="R37") as info:
                await communicator.send_input({"type": "http.request", "body": b"b"})
            assert info.value.field == "more_body"

    async def test_chunked_request_and_disconnect_are_fine(self) -> None:
        async with HttpCommunicator(waits_forever, "GET", "/", strict="pedantic") as communicator:
            await communicator.send_input({"type": "http.request", "body": b"a", "more_body": True})
            await communicator.send_input({"type": "http.request", "body": b"b"})
            await communicator.send_input({"type": "http.disconnect"})
            await communicator.wait()


class TestWebsocketInput:
    async def test_receive_before_accept_is_refused(self) -> None:
        async with WebsocketCommunicator(accept_then_wait, "/") as communicator:
            await communicator.send_input({"type": "websocket.connect"})
            with pytest.raises(ProtocolError) as info:
                await communicator.send_to(text_data="too early")
            assert (info.value.rule_id, info.value.field) == ("R85", "type")

    @pytest.mark.parametrize(
        ("message", "rule", "field"),
        [
            ({"type": "websocket.receive", "text": "a", "bytes": b"b"}, "R78", "text"),
            ({"type": "websocket.receive", "text": b"a"}, "R78", "text"),
            ({"type": "websocket.receive", "bytes": "a"}, "R78", "bytes"),
            ({"type": "websocket.disconnect"}, "R81", "code"),
            ({"type": "websocket.disconnect", "code": 1000, "reason": b"x"}, "R81", "reason"),
            ({"type": "websocket.connect"}, "R12", "type"),
            ({"type": "websocket.close"}, "R12", "type"),
        ],
    )
    async def test_invalid_input_is_refused(self, message: Any, rule: str, field: str) -> None:
        async with WebsocketCommunicator(accept_then_wait, "/") as communicator:
            assert (await communicator.connect())[0]
            with pytest.raises(ProtocolError) as info:
                await communicator.send_input(message)
            assert (info.value.rule_id, info.value.field) == (rule, field)

    async def test_receive_after_disconnect_is_refused(self) -> None:
        async with WebsocketCommunicator(accept_then_wait, "/") as communicator:
            assert (await communicator.connect())[0]
            await communicator.disconnect()
            with pytest.raises(ProtocolError, match="R12"):
                await communicator.send_input({"type": "websocket.receive", "text": "late"})


class TestLifespanInput:
    async def test_shutdown_before_startup_is_refused(self) -> None:
        async with ApplicationCommunicator(waits_forever, dict(LIFESPAN_SCOPE)) as communicator:
            with pytest.raises(ProtocolError, match="R96"):
                await communicator.send_input({"type": "lifespan.shutdown"})
            communicator.stop(exceptions=False)

    async def test_second_startup_and_unknown_events_are_refused(self) -> None:
        async with ApplicationCommunicator(waits_forever, dict(LIFESPAN_SCOPE)) as communicator:
            await communicator.send_input({"type": "lifespan.startup"})
            with pytest.raises(ProtocolError, match="R94"):
                await communicator.send_input({"type": "lifespan.startup"})
            with pytest.raises(ProtocolError, match="R12"):
                await communicator.send_input({"type": "http.request"})
            communicator.stop(exceptions=False)


class Boom(Exception):
    pass


async def raise_before_start(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    raise Boom("before")


async def raise_after_start(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200})
    raise Boom("after")


async def raise_after_accept(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    raise Boom("ws")


class TestAppExceptions:
    """V16, V17, W13: the app's own exception reaches the test as itself, with a note."""

    async def test_exception_before_start_says_500(self) -> None:
        with pytest.raises(Boom) as info:
            async with HttpCommunicator(raise_before_start, "GET", "/") as communicator:
                await communicator.get_response()
        assert any("R59" in note and "500" in note for note in info.value.__notes__)

    async def test_exception_after_start_says_connection_cut(self) -> None:
        with pytest.raises(Boom) as info:
            async with HttpCommunicator(raise_after_start, "GET", "/") as communicator:
                await communicator.get_response()
        assert any("after http.response.start" in note for note in info.value.__notes__)

    async def test_exception_after_accept_says_1011(self) -> None:
        async def run() -> None:
            async with WebsocketCommunicator(raise_after_accept, "/") as communicator:
                await communicator.connect()
                await communicator.receive_output()

        with pytest.raises(Boom) as info:
            await run()
        assert any("R91" in note and "1011" in note for note in info.value.__notes__)


class TestLifespanOutcomes:
    async def test_raising_on_the_lifespan_scope_is_the_apps_own_error(self) -> None:
        """L1: an app without lifespan support raises; that is allowed (R98), not a violation."""

        async def no_lifespan(scope: Any, receive: Any, send: Any) -> None:
            raise RuntimeError("only http")

        async def run() -> None:
            async with ApplicationCommunicator(no_lifespan, dict(LIFESPAN_SCOPE)) as communicator:
                await communicator.send_input({"type": "lifespan.startup"})
                await communicator.receive_output()

        with pytest.raises(RuntimeError, match="only http"):
            await run()

    async def test_failed_messages_are_valid(self) -> None:
        """L2/L7: startup.failed and shutdown.failed are valid answers."""

        async def fails(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "db down"})

        async with ApplicationCommunicator(fails, dict(LIFESPAN_SCOPE), strict="pedantic") as c:
            await c.send_input({"type": "lifespan.startup"})
            assert (await c.receive_output())["message"] == "db down"

        async def fails_shutdown(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.failed", "message": "flush failed"})

        async with ApplicationCommunicator(
            fails_shutdown, dict(LIFESPAN_SCOPE), strict="pedantic"
        ) as c:
            await c.send_input({"type": "lifespan.startup"})
            await c.receive_output()
            await c.send_input({"type": "lifespan.shutdown"})
            assert (await c.receive_output())["type"] == "lifespan.shutdown.failed"

    async def test_raising_during_startup_gets_a_note(self) -> None:
        """L3: raising after receive() instead of sending startup.failed (R99)."""

        async def raises_in_startup(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            raise Boom("db down")

        async def run() -> None:
            async with ApplicationCommunicator(raises_in_startup, dict(LIFESPAN_SCOPE)) as c:
                await c.send_input({"type": "lifespan.startup"})
                await c.receive_output()

        with pytest.raises(Boom) as info:
            await run()
        assert any("R99" in note for note in info.value.__notes__)


async def stream_until_gone(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"first", "more_body": True})
    assert (await receive())["type"] == "http.disconnect"
    # Keeps sending after the client left, even a malformed message: not a violation (V25).
    await send({"type": "http.response.body", "body": "late str", "more_body": True})


class TestAfterDisconnect:
    async def test_sends_after_an_http_disconnect_are_not_violations(self) -> None:
        async with HttpCommunicator(stream_until_gone, "GET", "/", strict="pedantic") as c:
            await c.send_input({"type": "http.request", "body": b""})
            assert (await c.receive_output())["type"] == "http.response.start"
            assert (await c.receive_output())["body"] == b"first"
            await c.send_input({"type": "http.disconnect"})
            await c.wait()

    async def test_returning_without_response_after_disconnect_is_fine(self) -> None:
        async with HttpCommunicator(waits_forever, "GET", "/") as c:
            await c.send_input({"type": "http.request", "body": b""})
            await c.send_input({"type": "http.disconnect"})
            await c.wait()

    async def test_websocket_send_after_disconnect_on_2_3_is_a_no_op(self) -> None:
        async def sends_after(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            await receive()  # the disconnect
            await send({"type": "websocket.send", "text": "into the void"})

        async with WebsocketCommunicator(sends_after, "/", spec_version="2.3") as c:
            assert (await c.connect())[0]
            await c.disconnect()

    async def test_websocket_send_after_disconnect_on_2_4_raises_client_disconnected(
        self,
    ) -> None:
        seen: list[BaseException] = []

        async def sends_after(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            await receive()
            try:
                await send({"type": "websocket.send", "text": "into the void"})
            except ClientDisconnected as exc:
                seen.append(exc)

        async with WebsocketCommunicator(sends_after, "/") as c:
            assert (await c.connect())[0]
            await c.disconnect()
        assert len(seen) == 1


async def test_headers_from_a_generator_are_checked_without_being_lost() -> None:
    async def generator_headers(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        headers = ([name, value] for name, value in [(b"x-a", b"1"), (b"x-b", b"2")])
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async with HttpCommunicator(generator_headers, "GET", "/", strict="pedantic") as c:
        response = await c.get_response()
    assert list(response.headers.items()) == [("x-a", "1"), ("x-b", "2")]
