"""Fixtures for the chat example's tests: the app with its lifespan running, on asyncio and trio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from asgitest import ApplicationCommunicator, HttpCommunicator, Response
from examples.chat.app import app


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param("trio", id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    """Every test runs on asyncio and on trio (the app uses anyio, so it runs on both)."""
    return request.param


@pytest.fixture
async def state(anyio_backend: Any) -> AsyncIterator[dict[str, Any]]:
    """Run the app's lifespan around the test, as a server does, and give its state.

    Requests made with ``scope={"state": dict(state)}`` see it, as under uvicorn.
    """
    state: dict[str, Any] = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    async with ApplicationCommunicator(app, scope) as lifespan:
        await lifespan.send_input({"type": "lifespan.startup"})
        assert await lifespan.receive_output() == {"type": "lifespan.startup.complete"}
        yield state
        await lifespan.send_input({"type": "lifespan.shutdown"})
        assert await lifespan.receive_output() == {"type": "lifespan.shutdown.complete"}


async def request(
    state: dict[str, Any], method: str, path: str, body: bytes = b"", headers: Any = None
) -> Response:
    """One request to the app, with the lifespan state in its scope."""
    async with HttpCommunicator(
        app, method, path, body, headers, scope={"state": dict(state)}
    ) as communicator:
        return await communicator.get_response()
