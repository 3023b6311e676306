"""pytest-asyncio in strict mode: mark each async test with @pytest.mark.asyncio."""

import pytest


async def app(scope, receive, send):
    """A tiny ASGI app: HTTP answers "hello", WebSockets echo."""
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})
    elif scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
    else:
        raise RuntimeError("no lifespan")  # lifespan="auto" carries on without it


pytestmark = pytest.mark.asgi(app=app)  # or: asgi_app = "myproject.asgi:app" in the ini file


@pytest.mark.asyncio
async def test_http(asgi_http_factory):
    async with asgi_http_factory("GET", "/") as communicator:
        response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b"hello"


@pytest.mark.asyncio
async def test_websocket(asgi_websocket_factory):
    async with asgi_websocket_factory("/ws/") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_to(text_data="ping")
        assert await communicator.receive_from() == "ping"
