import pytest

from asgitest import WebsocketCommunicator


async def echo(scope, receive, send):
    """Accepts a WebSocket and sends every text frame back."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            return


# --8<-- [start:test]
@pytest.mark.asyncio
async def test_echo():
    async with WebsocketCommunicator(echo, "/ws/echo/") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_to(text_data="hello")
        assert await communicator.receive_from() == "hello"


# --8<-- [end:test]
