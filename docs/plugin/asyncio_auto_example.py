"""pytest-asyncio in auto mode (asyncio_mode = "auto"): async tests need no marker."""

import pytest

# With asyncio_mode = "auto" in your ini file this line is not needed; asgitest's own docs
# run in strict mode, so the example marks its tests.
pytestmark = pytest.mark.asyncio


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            scope["state"]["visits"] = 0
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    scope["state"]["visits"] += 1  # a shallow copy per request, as servers make
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"%d" % scope["state"]["visits"]})


@pytest.mark.asgi(app=app, lifespan="on")
async def test_lifespan_runs_around_the_block(asgi_test_app):
    async with asgi_test_app as test_app:  # lifespan startup here, shutdown on exit
        assert test_app.state == {"visits": 0}
        async with test_app.http("GET", "/") as communicator:
            response = await communicator.get_response()
    assert response["body"] == b"1"
