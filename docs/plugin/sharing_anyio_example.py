"""One lifespan for a whole module under anyio: a module-scoped async fixture.

anyio runs an async fixture of a wider scope when ``anyio_backend`` has at least that scope
(it is module-scoped by default; a conftest override must keep that).
"""

import pytest
import sniffio

pytestmark = pytest.mark.anyio
STARTUPS = []


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        STARTUPS.append(sniffio.current_async_library())
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module", params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


@pytest.fixture(scope="module")
async def shared_app(anyio_backend, asgi_config, request):
    async with asgi_config.for_node(request.node).make_test_app(app) as test_app:
        yield test_app


async def test_one(shared_app):
    async with shared_app.http("GET", "/") as communicator:
        assert (await communicator.get_response())["status"] == 204


async def test_two(shared_app, anyio_backend):
    async with shared_app.http("GET", "/") as communicator:
        assert (await communicator.get_response())["status"] == 204
    # One startup per backend, not one per test.
    assert STARTUPS.count(anyio_backend) == 1
