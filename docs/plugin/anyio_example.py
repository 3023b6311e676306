"""anyio's plugin: mark tests @pytest.mark.anyio; each runs on asyncio and on trio."""

import pytest

pytestmark = pytest.mark.anyio


async def app(scope, receive, send):
    if scope["type"] != "http":
        raise RuntimeError("HTTP only")
    request = await receive()
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": request["body"].upper()})


@pytest.mark.asgi(app=app)
async def test_post(asgi_http_factory):
    # Under trio every communicator is used with `async with`; on asyncio it is optional.
    async with asgi_http_factory("POST", "/shout", body=b"hi") as communicator:
        response = await communicator.get_response()
    assert (response["status"], response["body"]) == (201, b"HI")


@pytest.mark.asgi(app=app)
async def test_lifespan_communicator(asgi_lifespan_communicator):
    # This app has no lifespan support: in mode "auto" startup carries on without it.
    async with asgi_lifespan_communicator as lifespan:
        assert lifespan.supported is False
