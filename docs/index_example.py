import pytest

from asgitest import HttpCommunicator


async def app(scope, receive, send):
    """The application under test: any ASGI app (Django, Starlette, FastAPI, Quart, ...)."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"Hello, world!"})


# --8<-- [start:five-lines]
@pytest.mark.anyio
async def test_hello():
    async with HttpCommunicator(app, "GET", "/hello") as communicator:
        response = await communicator.get_response()
    assert response.text == "Hello, world!"


# --8<-- [end:five-lines]
