"""From Starlette's (or FastAPI's) TestClient to asgitest's: the one-line change, the gains."""

import contextlib

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


@contextlib.asynccontextmanager
async def lifespan(app):
    yield {"greeting": "Hello"}


async def hello(request: Request):
    return JSONResponse({"message": f"{request.state.greeting}, world!"})


async def ticks(request: Request):
    async def forever():
        while True:  # an endless event stream
            yield "data: tick\n\n"
            await anyio.sleep(0.01)

    return StreamingResponse(forever(), media_type="text/event-stream")


async def echo(websocket: WebSocket):
    await websocket.accept()
    text = await websocket.receive_text()
    await websocket.send_text(text)
    await websocket.close(code=4000)


async def silent(websocket: WebSocket):
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):  # (as in Starlette, an exception the
        await websocket.receive_text()  # app lets out is raised when the block ends)


app = Starlette(
    lifespan=lifespan,
    routes=[
        Route("/hello", hello),
        Route("/ticks", ticks),
        WebSocketRoute("/echo", echo),
        WebSocketRoute("/silent", silent),
    ],
)


# --8<-- [start:change]
# from starlette.testclient import TestClient      # before
from asgitest import TestClient  # after: the tests below stay as they were


def test_hello():
    with TestClient(app) as client:  # runs the lifespan
        response = client.get("/hello")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, world!"}


def test_echo():
    client = TestClient(app)
    with client.websocket_connect("/echo") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"
        with pytest.raises(WebSocketDisconnect) as caught:  # Starlette's own class
            websocket.receive_text()
    assert caught.value.code == 4000


# --8<-- [end:change]


# --8<-- [start:gains]
from asgitest import Timeout


def test_a_silent_websocket_fails_instead_of_hanging():
    client = TestClient(app, timeout=0.2)  # asgitest's timeout of every wait
    with client.websocket_connect("/silent") as websocket:
        with pytest.raises(Timeout):  # Starlette's receive_text() would hang forever
            websocket.receive_text()


def test_an_endless_stream_can_be_read_in_part():
    client = TestClient(app)
    with client.stream("GET", "/ticks") as response:
        lines = response.iter_lines()
        assert next(lines) == "data: tick"
    # Leaving the block sent "http.disconnect": the app's stream ended.


# --8<-- [end:gains]


# --8<-- [start:async]
from asgitest import AsyncTestClient


@pytest.mark.anyio
async def test_in_the_tests_own_event_loop():
    async with AsyncTestClient(app) as client:
        response = await client.get("/hello")
        assert response.json() == {"message": "Hello, world!"}
        async with client.websocket_connect("/echo") as websocket:
            await websocket.send_text("hi")
            assert await websocket.receive_text() == "hi"


# --8<-- [end:async]
