# --8<-- [start:app]
# myproject/app.py: a raw ASGI app (any framework's app works the same way)
async def app(scope, receive, send):
    if scope["type"] != "http":
        raise ValueError(f"unsupported scope type {scope['type']!r}")
    request = await receive()
    name = request["body"].decode() or "world"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": f"Hello, {name}!".encode()})


# --8<-- [end:app]


# --8<-- [start:test]
# tests/test_app.py
import pytest

from asgitest import HttpCommunicator

pytestmark = pytest.mark.anyio  # every test in this module runs under anyio


async def test_hello():
    async with HttpCommunicator(app, "POST", "/", body=b"Ann") as communicator:
        response = await communicator.get_response()
    assert response.status == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.text == "Hello, Ann!"


# --8<-- [end:test]
