"""When the app's first step runs: at once on Python 3.12+ (eager task start) once its first
input is queued, else when the test next waits. Both must look the same to the app."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from typing import Any

import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    LifespanCommunicator,
    WebsocketCommunicator,
)

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

EAGER = sys.version_info >= (3, 12)
TEST_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("TEST_VAR", default="unset")


class Witness:
    """A raw HTTP app that notes what it saw during its first step."""

    def __init__(self) -> None:
        self.first_message: Any = None
        self.task: Any = None
        self.var: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.task = asyncio.current_task()
        self.var = TEST_VAR.get()
        self.first_message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def test_the_first_step_runs_when_the_first_input_is_queued() -> None:
    app = Witness()
    scope = HttpCommunicator(app, "GET", "/").scope
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    if EAGER:
        # The app has already read its request and answered, without the loop running.
        assert app.first_message == {"type": "http.request", "body": b""}
        assert len(communicator.output_queue._deque) == 2
    else:
        assert app.first_message is None  # it runs when the test next waits
    assert (await communicator.receive_output())["type"] == "http.response.start"
    assert (await communicator.receive_output())["body"] == b"ok"
    await communicator.wait()


async def test_the_first_step_runs_in_the_apps_own_task_and_an_empty_context() -> None:
    app = Witness()
    token = TEST_VAR.set("the test's value")
    try:
        response = await HttpCommunicator(app, "GET", "/").get_response()
    finally:
        TEST_VAR.reset(token)
    assert response.status == 200
    assert app.task is not None
    assert app.task is not asyncio.current_task()
    assert app.var == "unset"  # the test's context variables do not leak into the app


async def test_async_with_starts_lazily_so_websocket_connect_is_queued_first() -> None:
    # A Starlette-style endpoint that closes without accepting (and so never reads
    # websocket.connect): started eagerly on `async with`, it would close before the client
    # even connected.
    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.close", "code": 4403})

    async with WebsocketCommunicator(refuse, "/") as communicator:
        assert await communicator.connect() == (False, 4403)


async def test_lifespan_startup_is_read_by_the_first_step() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    async with LifespanCommunicator(app) as lifespan:
        assert lifespan.started
        assert seen == ["lifespan.startup"]
    assert seen == ["lifespan.startup", "lifespan.shutdown"]


async def test_an_app_that_raises_in_its_first_step_is_reported_by_the_next_call() -> None:
    async def crash(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise ValueError("boom in the first step")

    communicator = HttpCommunicator(crash, "GET", "/")
    with pytest.raises(ValueError, match="boom in the first step"):
        await communicator.get_response()
