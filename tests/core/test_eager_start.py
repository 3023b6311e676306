"""When the app's first step runs: at once, once its first input is queued (Python 3.12+ starts
the task eagerly; on 3.11 the engine runs the first step itself, as the app's task). Either
way it must look to the app as if its task had started normally."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import sys
import traceback
from typing import Any

import anyio
import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    LifespanCommunicator,
    WebsocketCommunicator,
)

from .. import apps

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

TEST_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("TEST_VAR", default="unset")


def _task_ends_in_its_first_step() -> bool:
    """Whether an app that ends in its first step leaves no task for the loop to run: on 3.12+
    (eager tasks) and on Python 3.11 with asyncio's own loop, whose ``_ready`` queue the engine
    can take the task's pending step from. On uvloop under 3.11 (no ``_ready``), the task is
    left scheduled, and finishes at the loop's next iteration (the fallback)."""
    return sys.version_info >= (3, 12) or hasattr(asyncio.get_running_loop(), "_ready")


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
    # The app has already read its request and answered, without the loop running.
    assert app.first_message == {"type": "http.request", "body": b""}
    assert communicator.output_queue.qsize() == 2
    # ... and its task is over: nothing is left behind for the loop to run (on uvloop under
    # Python 3.11: it is over after one iteration).
    if not _task_ends_in_its_first_step():
        assert not app.task.done()
        await asyncio.sleep(0)
    assert app.task.done()
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


async def test_an_app_suspended_in_its_first_step_resumes_in_its_own_task() -> None:
    tasks: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        tasks.append(asyncio.current_task())
        await asyncio.sleep(0)  # a bare yield in the first step
        tasks.append(asyncio.current_task())
        assert (await receive())["type"] == "websocket.connect"
        tasks.append(asyncio.current_task())
        await send({"type": "websocket.accept"})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        tasks.append(asyncio.current_task())

    communicator = WebsocketCommunicator(app, "/")
    assert await communicator.connect() == (True, None)
    await communicator.disconnect()
    assert len(tasks) == 4
    assert tasks[0] is not asyncio.current_task()
    assert all(task is tasks[0] for task in tasks)
    assert tasks[0].done()


async def test_an_anyio_cancel_scope_entered_in_the_first_step_outlives_it() -> None:
    # anyio binds a cancel scope (and a task group) to the task that enters it: the first step
    # must run as the app's own task, or the scope breaks when the app resumes later.
    events: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def ticker() -> None:
            try:
                await anyio.sleep_forever()
            finally:
                events.append("ticker cancelled")

        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            with anyio.move_on_after(30):
                message = await receive()
            events.append(message["type"])
            group.cancel_scope.cancel()

    communicator = WebsocketCommunicator(app, "/")
    assert await communicator.connect() == (True, None)
    await communicator.disconnect()
    assert events == ["websocket.disconnect", "ticker cancelled"]


async def test_an_app_cancelled_before_its_task_ran_unwinds_from_where_it_waits() -> None:
    events: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            await receive()
        except asyncio.CancelledError:
            events.append("cancelled while receiving")
            raise
        finally:
            events.append("cleaned up")

    communicator = WebsocketCommunicator(app, "/")
    assert await communicator.connect() == (True, None)  # no loop iteration so far
    communicator.stop()  # cancels the app
    await communicator.aclose()
    assert communicator.future.cancelled()
    assert events == ["cancelled while receiving", "cleaned up"]


async def test_an_app_crashing_in_its_first_step_is_reported_from_its_own_frame() -> None:
    async def crash(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise ValueError("boom in the first step")

    communicator = HttpCommunicator(crash, "GET", "/")
    with pytest.raises(ValueError) as info:
        await communicator.get_response()
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    # The test's own call, then straight into the app: no asgitest wrapper in between.
    assert frames[-1] == "crash"
    assert "_run_asyncio" not in frames
    assert "_first_step_now" not in frames


async def test_no_task_is_left_pending_after_many_requests_without_a_loop_iteration() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    before = len(asyncio.all_tasks())
    for _ in range(50):
        await HttpCommunicator(app, "GET", "/").get_response()
    if not _task_ends_in_its_first_step():  # the fallback: they end at the next iteration
        assert len(asyncio.all_tasks()) == before + 50
        await asyncio.sleep(0)
    gc.collect()
    assert len(asyncio.all_tasks()) == before


def _inline() -> bool:
    return hasattr(asyncio.get_running_loop(), "_ready")


class Ticker:
    """Counts event-loop iterations: a task that runs once per iteration."""

    def __init__(self) -> None:
        self.ticks = 0
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0)

    async def __aenter__(self) -> Ticker:
        self.task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.sleep(0)  # it runs from now on
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()

    def since(self, start: int) -> int:
        return self.ticks - start


async def late_echo(scope: Any, receive: Any, send: Any) -> None:
    """Echoes each frame one step after receiving it."""
    await receive()
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] != "websocket.disconnect":
        await asyncio.sleep(0)
        await send({"type": "websocket.send", "text": message["text"]})


async def test_an_answer_sent_at_once_is_read_in_the_same_loop_iteration() -> None:
    communicator = WebsocketCommunicator(apps.echo_websocket, "/")
    async with Ticker() as ticker:
        start = ticker.ticks
        assert await communicator.connect() == (True, None)
        assert ticker.since(start) == 0  # answered in the app's first step
        await asyncio.sleep(0)  # the app's task runs (and, on Python 3.11, takes over)
        start = ticker.ticks
        await communicator.send_to(text_data="hi")
        assert await communicator.receive_from() == "hi"
        assert ticker.since(start) == 1  # the app's step, then the test's, in one iteration
        start = ticker.ticks
        await communicator.disconnect()
        assert ticker.since(start) == 1  # the app returned in that same iteration
    assert communicator.future.done()


async def test_before_its_task_first_runs_the_app_answers_without_an_iteration() -> None:
    # Python 3.11 has no eager tasks: the engine runs the app's first step itself, and the
    # steps after it as long as the app's task has not run yet (a connect, an exchange and a
    # disconnect with no wait in between take no loop iteration at all). On 3.12+ the task
    # is eager and only its first step is taken at once.
    communicator = WebsocketCommunicator(apps.echo_websocket, "/")
    async with Ticker() as ticker:
        start = ticker.ticks
        assert await communicator.connect() == (True, None)
        await communicator.send_to(text_data="hi")
        assert await communicator.receive_from() == "hi"
        await communicator.disconnect()
        # (uvloop on 3.11 has no queue to take the step from: its task starts as on 3.12+)
        assert ticker.since(start) == (0 if sys.version_info < (3, 12) and _inline() else 2)
    assert communicator.future.done()
    assert communicator.transcript.outcome == "the app returned"


async def test_an_answer_sent_later_is_still_waited_for() -> None:
    communicator = WebsocketCommunicator(late_echo, "/")
    await communicator.connect()
    await communicator.send_to(text_data="late")
    assert await communicator.receive_from() == "late"
    await communicator.send_to(text_data="again")
    assert await communicator.receive_from() == "again"
    await communicator.disconnect()
