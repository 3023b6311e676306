# --8<-- [start:app]
# myapi/main.py
import contextlib

import anyio
from fastapi import BackgroundTasks, FastAPI, Request, WebSocket
from fastapi.responses import StreamingResponse


@contextlib.asynccontextmanager
async def lifespan(app):
    yield {"greeting": "Hello"}  # the lifespan state, shared with every request


app = FastAPI(lifespan=lifespan)
sent_emails: list[str] = []


@app.get("/hello/{name}")
async def hello(name: str, request: Request):
    return {"message": f"{request.state.greeting}, {name}!"}


@app.post("/signup")
async def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(sent_emails.append, email)
    return {"ok": True}


@app.get("/events")
async def events():
    async def forever():
        number = 0
        while True:
            yield f"data: {number}\n\n"
            number += 1
            await anyio.sleep(0.01)

    return StreamingResponse(forever(), media_type="text/event-stream")


@app.websocket("/ws")
async def shout(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text.upper())


# --8<-- [end:app]


# --8<-- [start:sync]
# tests/test_sync.py: the tests FastAPI's tutorial writes, with one import changed
from asgitest import TestClient  # was: from fastapi.testclient import TestClient


def test_hello():
    with TestClient(app) as client:  # `with` runs the lifespan
        response = client.get("/hello/Ann")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ann!"}


def test_background_task_has_run_when_the_call_returns():
    with TestClient(app) as client:
        client.post("/signup", params={"email": "ann@example.com"})
    assert "ann@example.com" in sent_emails


def test_websocket_shouts():
    with TestClient(app) as client, client.websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "HI"


# --8<-- [end:sync]


# --8<-- [start:async]
# tests/test_async.py: the app in the test's own event loop (asyncio or trio)
import pytest

from asgitest import AsyncTestClient


@pytest.fixture
async def client(anyio_backend):
    async with AsyncTestClient(app) as client:  # lifespan around each test
        yield client


@pytest.mark.anyio
async def test_hello_async(client):
    response = await client.get("/hello/Bo")
    assert response.json() == {"message": "Hello, Bo!"}


@pytest.mark.anyio
async def test_read_three_events_of_an_endless_stream(client):
    async with client.stream("GET", "/events") as response:
        chunks = [chunk async for chunk in _first(response.aiter_bytes(), 3)]
    assert chunks == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]
    # Leaving the block sent "http.disconnect": the endless generator was stopped.


async def _first(iterator, count):
    """The first ``count`` items; the iterator is closed at once (httpx's iterators are async
    generators: under trio, one left unfinished warns when it is garbage collected)."""
    async with contextlib.aclosing(iterator):
        async for item in iterator:
            yield item
            count -= 1
            if not count:
                return


@pytest.mark.anyio
async def test_websocket_async(client):
    async with client.websocket_connect("/ws") as websocket:
        await websocket.send_text("hi")
        assert await websocket.receive_text() == "HI"


# --8<-- [end:async]


# --8<-- [start:transport]
# With httpx's own client: asgitest.ASGITransport instead of httpx.ASGITransport
import httpx2 as httpx

from asgitest import ASGITransport


@pytest.mark.anyio
async def test_with_httpx_and_asgitest_transport():
    transport = ASGITransport(app)  # no lifespan: the route below does not need it
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        async with client.stream("GET", "/events") as response:
            chunks = [chunk async for chunk in _first(response.aiter_bytes(), 1)]
    assert chunks == [b"data: 0\n\n"]


# --8<-- [end:transport]
