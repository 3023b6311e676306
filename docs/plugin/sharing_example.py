"""One lifespan for a whole module, with pytest-asyncio (loop_scope="module") or anyio."""

import pytest
import pytest_asyncio

STARTUPS = []


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        STARTUPS.append(1)  # an expensive startup: a connection pool, a model...
        scope["state"]["pool"] = "connected"
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": scope["state"]["pool"].encode()})


# pytest-asyncio: a module-scoped fixture on a module-scoped event loop, and tests that run
# in that same loop.
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_app(asgi_config, request):
    settings = asgi_config.for_node(request.node)  # ini, command line and module markers
    async with settings.make_test_app(app) as test_app:
        yield test_app


@pytest.mark.asyncio(loop_scope="module")
async def test_first_request(shared_app):
    async with shared_app.http("GET", "/") as communicator:
        assert (await communicator.get_response())["body"] == b"connected"


@pytest.mark.asyncio(loop_scope="module")
async def test_second_request_same_lifespan(shared_app):
    async with shared_app.http("GET", "/") as communicator:
        assert (await communicator.get_response())["body"] == b"connected"
    assert len(STARTUPS) == 1
