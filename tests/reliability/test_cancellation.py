"""Cancellation from outside: the test cancelled, timed out or interrupted in the middle of any
wait leaves nothing behind, and the next use of the event loop is unaffected.

Each wait point is a public call that blocks on an app that never answers (with ``timeout=None``,
so that only the outside can end the wait). Three ways in:

- a cancel scope (``anyio.move_on_after``) around the call, inside ``async with``;
- a cancel scope around the whole ``async with`` (the exit itself then runs cancelled);
- a KeyboardInterrupt stand-in raised by a sibling task in the middle of the wait.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    LeakedAppWarning,
    LifespanCommunicator,
    Timeout,
    WebsocketCommunicator,
    _core,
)

from .adversary import FakeInterrupt

pytestmark = pytest.mark.anyio

SHORT = 0.02


# ---------------------------------------------------------------------------- apps


async def http_silent(scope: Any, receive: Any, send: Any) -> None:
    """Reads until the client goes away and never answers."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def http_start_only(scope: Any, receive: Any, send: Any) -> None:
    """Starts the response, then sends no body until the client goes away."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    while (await receive())["type"] != "http.disconnect":
        pass


async def ws_silent(scope: Any, receive: Any, send: Any) -> None:
    """Never accepts; returns on disconnect."""
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def ws_accept_silent(scope: Any, receive: Any, send: Any) -> None:
    """Accepts, then never sends; returns on disconnect."""
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def ws_stubborn(scope: Any, receive: Any, send: Any) -> None:
    """Accepts, then ignores everything, the disconnect included, forever."""
    await receive()
    await send({"type": "websocket.accept"})
    await anyio.Event().wait()


async def http_stubborn(scope: Any, receive: Any, send: Any) -> None:
    """Never answers and never returns, even after the disconnect."""
    await receive()
    await anyio.Event().wait()


async def lifespan_silent(scope: Any, receive: Any, send: Any) -> None:
    """Receives startup and never completes it."""
    await receive()
    await receive()


async def lifespan_no_shutdown(scope: Any, receive: Any, send: Any) -> None:
    """Completes startup, never completes shutdown."""
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await anyio.Event().wait()


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """A well-behaved WebSocket echo, for the "next test is unaffected" check."""
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message.get("text")})


# ---------------------------------------------------------------------------- wait points

Make = Callable[[], Any]
Wait = Callable[[Any], Awaitable[Any]]


def _raw() -> ApplicationCommunicator:
    scope = HttpCommunicator(http_silent, "GET", "/").scope
    return ApplicationCommunicator(http_silent, scope, timeout=SHORT)


async def _raw_receive_output(communicator: Any) -> Any:
    await communicator.send_input({"type": "http.request", "body": b""})
    return await communicator.receive_output(None)


async def _raw_wait(communicator: Any) -> Any:
    await communicator.send_input({"type": "http.request", "body": b""})
    return await communicator.wait(None)


async def _raw_nothing(communicator: Any) -> Any:
    await communicator.send_input({"type": "http.request", "body": b""})
    return await communicator.receive_nothing(60)


async def _stream_start(communicator: Any) -> Any:
    async with communicator.stream(None) as response:
        return response


async def _stream_body(communicator: Any) -> Any:
    async with communicator.stream(None) as response:
        return [chunk async for chunk in response.iter_bytes()]


async def _connected(communicator: Any, then: Wait) -> Any:
    await communicator.connect(SHORT * 50)
    return await then(communicator)


async def _startup(communicator: Any) -> Any:
    return await communicator.startup(None)


async def _shutdown(communicator: Any) -> Any:
    await communicator.startup(SHORT * 50)
    return await communicator.shutdown(None)


WAIT_POINTS: dict[str, tuple[Make, Wait]] = {
    "receive_output": (_raw, _raw_receive_output),
    "wait": (_raw, _raw_wait),
    "receive_nothing": (_raw, _raw_nothing),
    "expect": (
        lambda: HttpCommunicator(http_silent, "GET", "/", timeout=SHORT),
        lambda c: _then(c.send_request(), lambda: c.expect("http.response.start", None)),
    ),
    "get_response": (
        lambda: HttpCommunicator(http_silent, "GET", "/", timeout=SHORT),
        lambda c: c.get_response(None),
    ),
    "get_response_body": (
        lambda: HttpCommunicator(http_start_only, "GET", "/", timeout=SHORT),
        lambda c: c.get_response(None),
    ),
    "stream_start": (
        lambda: HttpCommunicator(http_silent, "GET", "/", timeout=SHORT),
        _stream_start,
    ),
    "stream_body": (
        lambda: HttpCommunicator(http_start_only, "GET", "/", timeout=SHORT),
        _stream_body,
    ),
    "http_disconnect": (
        lambda: HttpCommunicator(http_stubborn, "GET", "/", timeout=SHORT),
        lambda c: _then(c.send_request(), lambda: c.disconnect(None)),
    ),
    "connect": (
        lambda: WebsocketCommunicator(ws_silent, "/", timeout=SHORT),
        lambda c: c.connect(None),
    ),
    "receive_from": (
        lambda: WebsocketCommunicator(ws_accept_silent, "/", timeout=SHORT),
        lambda c: _connected(c, lambda c: c.receive_from(None)),
    ),
    "receive_close": (
        lambda: WebsocketCommunicator(ws_accept_silent, "/", timeout=SHORT),
        lambda c: _connected(c, lambda c: c.receive_close(None)),
    ),
    "ws_disconnect": (
        lambda: WebsocketCommunicator(ws_stubborn, "/", timeout=SHORT),
        lambda c: _connected(c, lambda c: c.disconnect(timeout=None)),
    ),
    "startup": (
        lambda: LifespanCommunicator(lifespan_silent, timeout=SHORT),
        _startup,
    ),
    "shutdown": (
        lambda: LifespanCommunicator(lifespan_no_shutdown, timeout=SHORT),
        _shutdown,
    ),
}


async def _then(first: Awaitable[Any], second: Callable[[], Awaitable[Any]]) -> Any:
    await first
    return await second()


async def _enter(communicator: Any) -> Any:
    """``async with``, except that a LifespanCommunicator's own enter would start it."""
    if isinstance(communicator, LifespanCommunicator):
        return _PlainEnter(communicator)
    return communicator


class _PlainEnter:
    """Enters a LifespanCommunicator like an ApplicationCommunicator (no automatic startup)."""

    def __init__(self, communicator: LifespanCommunicator) -> None:
        self.communicator = communicator

    async def __aenter__(self) -> LifespanCommunicator:
        await ApplicationCommunicator.__aenter__(self.communicator)
        return self.communicator

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.communicator.__aexit__(*exc_info)


# ---------------------------------------------------------------------------- checks


async def assert_nothing_left(communicator: Any) -> None:
    # A cancelled asyncio task finishes at its next step: allow the loop a few iterations.
    for _ in range(5):
        if communicator._engine.state != "running":
            break
        await anyio.lowlevel.checkpoint()
    assert communicator._engine.state != "running", communicator
    if _core.current_backend() == "asyncio":
        apps = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") == "Engine._run_asyncio"
        ]
        assert not apps, apps
    assert not [task for task in _core.running_tasks if not task.done()]
    signal = communicator._engine._test_signal
    assert signal is None or not (signal.readers or signal.watchers)


async def assert_loop_still_works() -> None:
    """The next test is unaffected: a fresh communicator on the same loop works."""
    async with WebsocketCommunicator(echo, "/", timeout=1) as communicator:
        assert await communicator.connect() == (True, None)
        await communicator.send_to(text_data="still fine")
        assert await communicator.receive_from() == "still fine"
        await communicator.disconnect()


def only_leak_warnings(caught: list[warnings.WarningMessage]) -> None:
    gc.collect()
    for warning in caught:
        assert issubclass(warning.category, LeakedAppWarning), warning


names = pytest.mark.parametrize("point", sorted(WAIT_POINTS))


@names
async def test_cancel_scope_around_a_wait_leaves_the_communicator_usable(point: str) -> None:
    make, wait = WAIT_POINTS[point]
    communicator = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with await _enter(communicator):
            with anyio.move_on_after(SHORT) as scope:
                await wait(communicator)
            assert scope.cancelled_caught, f"{point} returned instead of waiting"
            # The wait's claim on the communicator was released: a new wait is allowed and
            # ends with asgitest's own Timeout, not "two tasks are waiting".
            if not communicator._engine.done:
                with pytest.raises(Timeout):
                    await communicator.receive_output(SHORT)
        await assert_nothing_left(communicator)
        only_leak_warnings(caught)
    await assert_loop_still_works()


@names
async def test_cancel_scope_around_async_with_leaves_nothing_behind(point: str) -> None:
    make, wait = WAIT_POINTS[point]
    communicator = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with anyio.move_on_after(SHORT) as scope:
            async with await _enter(communicator):
                await wait(communicator)
        assert scope.cancelled_caught
        await assert_nothing_left(communicator)
        only_leak_warnings(caught)
    await assert_loop_still_works()


@names
async def test_interrupt_during_a_wait_propagates_and_leaves_nothing_behind(point: str) -> None:
    make, wait = WAIT_POINTS[point]
    communicator = make()

    async def interrupt_later() -> None:
        await anyio.sleep(SHORT)
        raise FakeInterrupt("stand-in for KeyboardInterrupt")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(BaseExceptionGroup) as info:
            async with anyio.create_task_group() as group:
                group.start_soon(interrupt_later)
                async with await _enter(communicator):
                    await wait(communicator)
        assert info.group_contains(FakeInterrupt)
        assert not info.group_contains(Exception), "asgitest raised something of its own"
        await assert_nothing_left(communicator)
        only_leak_warnings(caught)
    await assert_loop_still_works()


@names
async def test_interrupt_raised_by_the_test_itself_inside_async_with(point: str) -> None:
    make, wait = WAIT_POINTS[point]
    communicator = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FakeInterrupt):
            async with await _enter(communicator):
                with anyio.move_on_after(SHORT):
                    await wait(communicator)
                raise FakeInterrupt("the test was interrupted")
        await assert_nothing_left(communicator)
        only_leak_warnings(caught)
    await assert_loop_still_works()
