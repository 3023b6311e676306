# --8<-- [start:app]
# myapi/main.py
import contextlib

from fastapi import FastAPI, Request, WebSocket


@contextlib.asynccontextmanager
async def lifespan(app):
    yield {"greeting": "Hello"}  # the lifespan state, shared with every request


app = FastAPI(lifespan=lifespan)


@app.get("/hello/{name}")
async def hello(name: str, request: Request):
    return {"message": f"{request.state.greeting}, {name}!"}


@app.websocket("/ws")
async def shout(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text.upper())


# --8<-- [end:app]


# --8<-- [start:fixture]
# tests/conftest.py
import pytest

from asgitest import ApplicationCommunicator


@pytest.fixture
async def state(anyio_backend):
    """Run the app's lifespan around each test, as uvicorn does, and give its state."""
    state = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    async with ApplicationCommunicator(app, scope) as lifespan:
        await lifespan.send_input({"type": "lifespan.startup"})
        assert await lifespan.receive_output() == {"type": "lifespan.startup.complete"}
        yield state
        await lifespan.send_input({"type": "lifespan.shutdown"})
        assert await lifespan.receive_output() == {"type": "lifespan.shutdown.complete"}


# --8<-- [end:fixture]


# --8<-- [start:tests]
# tests/test_main.py
from asgitest import HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.anyio


async def test_hello_uses_the_lifespan_state(state):
    async with HttpCommunicator(
        app, "GET", "/hello/Ann", scope={"state": dict(state)}
    ) as communicator:
        response = await communicator.get_response()
    assert response.status == 200
    assert response.json() == {"message": "Hello, Ann!"}


async def test_unknown_path_is_a_404(state):
    async with HttpCommunicator(app, "GET", "/nope", scope={"state": dict(state)}) as communicator:
        response = await communicator.get_response()
    assert response.status == 404


async def test_websocket_shouts():
    async with WebsocketCommunicator(app, "/ws") as communicator:
        assert await communicator.connect() == (True, None)
        await communicator.send_to(text_data="hi")
        assert await communicator.receive_from() == "HI"
        await communicator.disconnect()


# --8<-- [end:tests]
