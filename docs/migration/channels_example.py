"""Where asgitest behaves differently from channels.testing, each difference as a test."""

import asyncio

import pytest

from asgitest import HttpCommunicator, LeakedAppWarning, Timeout, WebsocketCommunicator

pytestmark = pytest.mark.anyio


async def silent(scope, receive, send):
    """Accepts, then never sends anything; returns when the client disconnects."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.disconnect":
            return


# --8<-- [start:timeout-disconnect]
async def test_timeout_then_disconnect():
    # channels: receive_from() raises TimeoutError and cancels the app,
    # so disconnect() then raises CancelledError (channels' own test_timeout_disconnect).
    async with WebsocketCommunicator(silent, "/testws/") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        with pytest.raises(asyncio.TimeoutError):  # an asgitest.Timeout
            await communicator.receive_from(timeout=0.05)
        # asgitest: the app was not cancelled; it gets websocket.disconnect and returns.
        await communicator.disconnect()
    assert communicator.transcript.outcome == "the app returned"


# --8<-- [end:timeout-disconnect]


async def connect_then_crash(scope, receive, send):
    await receive()
    raise ValueError("broken consumer")


# --8<-- [start:crash]
async def test_an_app_exception_is_raised_at_once():
    # channels: a TimeoutError-sized wait (1 s by default) first, then the ValueError.
    async with WebsocketCommunicator(connect_then_crash, "/ws/") as communicator:
        with pytest.raises(ValueError, match="broken consumer"):
            await communicator.connect(timeout=30)  # raised as soon as the app raises


# --8<-- [end:crash]


async def respond_then_listen(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 204})
    await send({"type": "http.response.body"})  # no "body" key: the spec default b""
    assert await receive() == {"type": "http.disconnect"}


# --8<-- [start:http-disconnect]
async def test_http_disconnect_after_the_response():
    # channels: receive() after the request body blocks forever.
    async with HttpCommunicator(respond_then_listen, "GET", "/") as communicator:
        response = await communicator.get_response()  # channels: KeyError('body')
        assert response == {"status": 204, "headers": [], "body": b""}
        await communicator.wait()


# --8<-- [end:http-disconnect]


async def close_then_listen(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": "", "bytes": None})
    await send({"type": "websocket.close", "code": 4000, "reason": "done"})
    assert await receive() == {"type": "websocket.disconnect", "code": 4000}


# --8<-- [start:websocket]
async def test_websocket_differences():
    async with WebsocketCommunicator(close_then_listen, "/ws/") as communicator:
        await communicator.connect()
        # An empty frame, and "bytes": None next to "text": both refused by channels.
        assert await communicator.receive_from() == ""
        assert await communicator.receive_nothing() is False  # the close is waiting
        message = await communicator.receive_output()
        assert message["code"] == 4000
        # After the app closed, its receive() returned websocket.disconnect, so it returned.
        await communicator.wait()


async def test_empty_frames_can_be_sent():
    async with WebsocketCommunicator(silent, "/ws/") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="")  # channels: "You must supply exactly one..."
        await communicator.disconnect()


# --8<-- [end:websocket]


async def ignores_disconnect(scope, receive, send):
    import anyio

    await receive()
    await send({"type": "websocket.accept"})
    await anyio.sleep_forever()  # never reads websocket.disconnect


# --8<-- [start:hangs]
async def test_wait_ends_an_app_that_does_not_return():
    async with WebsocketCommunicator(ignores_disconnect, "/ws/") as communicator:
        await communicator.connect()
        # As in channels, wait() cancels an app that has not returned in time; channels then
        # returns None silently, asgitest raises Timeout, saying where the app was waiting.
        with pytest.raises(Timeout, match="asgitest cancelled the app"):
            await communicator.wait(timeout=0.05)
        assert communicator.future.cancelled()


async def test_disconnect_reports_an_app_that_ignores_it():
    async with WebsocketCommunicator(ignores_disconnect, "/ws/") as communicator:
        await communicator.connect()
        # channels: disconnect() cancels it silently.
        with pytest.warns(LeakedAppWarning, match="did not return after websocket.disconnect"):
            await communicator.disconnect(timeout=0.05)


# --8<-- [end:hangs]


# --8<-- [start:stopped]
async def test_after_stop_calls_raise_timeout_not_cancelled_error():
    async with WebsocketCommunicator(silent, "/ws/") as communicator:
        await communicator.connect()
        communicator.stop()  # cancels the app, as in channels
        with pytest.raises(Timeout) as caught:  # channels: asyncio.CancelledError
            await communicator.receive_from()
        assert caught.value.app_state == "cancelled"


# --8<-- [end:stopped]


# --8<-- [start:scope]
def test_scopes_carry_what_a_server_sends():
    communicator = WebsocketCommunicator(silent, "/ws/?room=1", spec_version="2.3")
    scope = communicator.scope
    # Every channels key, with the same value...
    assert scope["path"] == "/ws/"
    assert scope["query_string"] == b"room=1"
    assert scope["spec_version"] == "2.3"  # top level, as channels sets it
    # ...and what a real server adds.
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.3"}
    assert scope["scheme"] == "ws"
    assert scope["raw_path"] == b"/ws/"
    assert scope["client"] == ("127.0.0.1", 50000)
    assert scope["server"] == ("testserver", 80)


# --8<-- [end:scope]
