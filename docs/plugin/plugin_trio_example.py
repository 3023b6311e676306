"""anyio's plugin on trio only: override the anyio_backend fixture."""

import pytest

pytestmark = [pytest.mark.anyio, pytest.mark.asgi(app="docs_plugin_apps:echo")]


@pytest.fixture
def anyio_backend():
    return "trio"


async def test_echo_on_trio(asgi_websocket_factory):
    async with asgi_websocket_factory("/echo/") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="over trio")
        assert await communicator.receive_from() == "over trio"
