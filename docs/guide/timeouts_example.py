import asyncio

import pytest

from asgitest import HttpCommunicator, Timeout, WebsocketCommunicator, set_timeout_factor

pytestmark = pytest.mark.anyio


async def slow_echo(scope, receive, send):
    """Echoes each frame after a pause the test controls with a "wait:SECONDS" frame."""
    import anyio

    pause = 0.0
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            text = message["text"]
            if text.startswith("wait:"):
                pause = float(text[5:])
                continue
            await anyio.sleep(pause)
            await send({"type": "websocket.send", "text": text})
        else:
            return


# --8<-- [start:not-cancelled]
async def test_a_timeout_does_not_cancel_the_app():
    async with WebsocketCommunicator(slow_echo, "/ws/", timeout=1) as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="wait:0.2")
        await communicator.send_to(text_data="slow")
        with pytest.raises(Timeout) as caught:
            await communicator.receive_from(timeout=0.01)  # too impatient
        assert caught.value.app_state == "running"
        assert isinstance(caught.value, TimeoutError)  # and asyncio.TimeoutError

        # The app kept running: the frame arrives, and the conversation goes on.
        assert await communicator.receive_from() == "slow"
        await communicator.disconnect()


# --8<-- [end:not-cancelled]


# --8<-- [start:receive-nothing]
async def test_receive_nothing_returns_as_soon_as_something_arrives():
    async with WebsocketCommunicator(slow_echo, "/ws/") as communicator:
        await communicator.connect()
        assert await communicator.receive_nothing()  # quiet for 0.1s: True
        await communicator.send_to(text_data="ping")
        assert not await communicator.receive_nothing(timeout=5)  # False at once, not after 5s
        assert await communicator.receive_from() == "ping"  # the message was not consumed
        await communicator.disconnect()


# --8<-- [end:receive-nothing]


async def crashes(scope, receive, send):
    await receive()
    raise RuntimeError("database is down")


# --8<-- [start:crash]
async def test_an_app_exception_is_raised_at_once():
    async with HttpCommunicator(crashes, "GET", "/", timeout=30) as communicator:
        with pytest.raises(RuntimeError, match="database is down"):
            await communicator.get_response()  # at once, not after 30s


# --8<-- [end:crash]


# --8<-- [start:factor]
async def test_timeout_factor():
    set_timeout_factor(3)  # every timeout is now 3 times longer (or ASGITEST_TIMEOUT_FACTOR=3)
    try:
        async with WebsocketCommunicator(slow_echo, "/ws/") as communicator:
            await communicator.connect()
            with pytest.raises(Timeout) as caught:
                await communicator.receive_from(timeout=0.01)
            assert caught.value.timeout == pytest.approx(0.03)
            await communicator.disconnect()
    finally:
        set_timeout_factor(None)  # back to the environment variable, or 1


# --8<-- [end:factor]


def test_asyncio_timeout_error_is_the_builtin():
    assert asyncio.TimeoutError is TimeoutError
