import pytest

from asgitest import UsageError, WebsocketCommunicator


async def echo(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            return


# --8<-- [start:backend]
# conftest.py: run the anyio-marked tests on trio (params=["asyncio", "trio"] for both)
@pytest.fixture
def anyio_backend():
    return "trio"


# --8<-- [end:backend]


# --8<-- [start:tests]
pytestmark = pytest.mark.anyio


async def test_echo_on_trio():
    async with WebsocketCommunicator(echo, "/ws/") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="hello")
        assert await communicator.receive_from() == "hello"
        await communicator.disconnect()


async def test_without_async_with_trio_says_what_to_do():
    communicator = WebsocketCommunicator(echo, "/ws/")
    with pytest.raises(UsageError, match="must be entered with `async with`"):
        await communicator.connect()


# --8<-- [end:tests]
