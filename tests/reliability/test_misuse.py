"""Property tests of argument misuse: whatever a test passes to a communicator, asgitest either
works or refuses it with its own error (a ``UsageError``, ``TypeError`` or ``ValueError``
raised by asgitest), never an internal ``AttributeError``/``KeyError``, never a message that
blames the app, and never a hang.

Each example builds a communicator from generated arguments (good ones mixed with bad ones of
every type) and runs its ordinary exchange against a well-behaved app.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from hypothesis import given, strategies as st

from asgitest import (
    HttpCommunicator,
    LifespanCommunicator,
    ProtocolError,
    Timeout,
    UsageError,
    WebsocketCommunicator,
)

from ..apps import echo_websocket, hello_world

REFUSALS = (UsageError, TypeError, ValueError)
WAIT = 5.0  # no example may take longer than this (a hang is a failure, not a slow pass)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.binary(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.tuples(st.text(max_size=4), st.text(max_size=4)),
    st.just(object()),
)
timeouts = st.one_of(
    st.sampled_from([None, 0.5, 1, 2.0, -1, math.nan, math.inf, "1", b"1", True, [1]]), junk
)
paths = st.one_of(st.sampled_from(["/", "/a?b=c", "/ünï", "relative", "", b"/bytes"]), junk)
methods = st.one_of(st.sampled_from(["GET", "post", "BREW", "", "G ET"]), junk)
header_sets = st.one_of(
    st.sampled_from([None, [], [(b"x-a", b"1")], [("X-A", "1")], {"x-a": "1"}, [(b"x-a",)]]),
    st.lists(st.tuples(junk, junk), max_size=2),
    junk,
)
strictness = st.one_of(st.sampled_from(["error", "pedantic", "warn", "off", "ON", "nope"]), junk)


def _run(coro: Any) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(coro, WAIT)

    asyncio.run(bounded())


def _check(exc: BaseException | None) -> None:
    if exc is None:
        return
    assert not isinstance(exc, asyncio.TimeoutError) or isinstance(exc, Timeout), f"hung: {exc!r}"
    if isinstance(exc, ProtocolError | Timeout):
        return  # a strict finding about the test's own input, or a timeout asked for
    assert isinstance(exc, REFUSALS), f"internal error: {type(exc).__name__}: {exc}"
    assert not isinstance(exc, AttributeError | KeyError | IndexError), f"{exc!r}"
    assert type(exc).__module__.startswith("asgitest"), (
        f"not refused by asgitest: {type(exc).__name__}: {exc}"
    )
    assert "breaks the ASGI spec" not in str(exc), f"blames the app: {exc}"


def _attempt(make: Any) -> None:
    try:
        _run(make())
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        _check(exc)


@given(method=methods, path=paths, headers=header_sets, timeout=timeouts, strict=strictness)
def test_http_communicator_refuses_bad_arguments_clearly(
    method: Any, path: Any, headers: Any, timeout: Any, strict: Any
) -> None:
    async def exchange() -> None:
        communicator = HttpCommunicator(
            hello_world, method, path, headers=headers, timeout=timeout, strict=strict
        )
        await communicator.get_response()

    _attempt(exchange)


@given(
    path=paths,
    headers=header_sets,
    subprotocols=st.one_of(st.sampled_from([None, [], ["chat"], "chat", [b"x"]]), junk),
    timeout=timeouts,
)
def test_websocket_communicator_refuses_bad_arguments_clearly(
    path: Any, headers: Any, subprotocols: Any, timeout: Any
) -> None:
    async def exchange() -> None:
        async with WebsocketCommunicator(
            echo_websocket, path, headers=headers, subprotocols=subprotocols, timeout=timeout
        ) as communicator:
            await communicator.connect()
            await communicator.send_to(text_data="hi")
            await communicator.receive_from()

    _attempt(exchange)


async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        if message["type"] == "lifespan.shutdown":
            return


@given(timeout=timeouts, lifespan=st.one_of(st.sampled_from(["auto", "on", "off", None]), junk))
def test_lifespan_communicator_refuses_bad_arguments_clearly(timeout: Any, lifespan: Any) -> None:
    async def cycle() -> None:
        async with LifespanCommunicator(lifespan_app, timeout=timeout, lifespan=lifespan):
            pass

    _attempt(cycle)
