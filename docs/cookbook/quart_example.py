# --8<-- [start:app]
from quart import Quart, websocket

app = Quart(__name__)


@app.route("/")
async def index():
    return {"hello": "world"}


@app.websocket("/ws")
async def echo():
    while True:
        data = await websocket.receive()
        await websocket.send(f"echo: {data}")


# --8<-- [end:app]


# --8<-- [start:tests]
import pytest

from asgitest import HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"  # Quart runs on asyncio only


async def test_index():
    async with HttpCommunicator(app, "GET", "/") as communicator:
        response = await communicator.get_response()
    assert response.status == 200
    assert response.json() == {"hello": "world"}


async def test_websocket_echo():
    async with WebsocketCommunicator(app, "/ws") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_to(text_data="hi")
        assert await communicator.receive_from() == "echo: hi"
        await communicator.disconnect()


# --8<-- [end:tests]
