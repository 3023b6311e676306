"""The exceptions (asgitest._errors): the builtins they subclass, their attributes, and the
messages of bad arguments."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import asgitest
from asgitest import (
    AsgitestError,
    HttpCommunicator,
    InvalidArgument,
    ProtocolError,
    TestApp,
    Timeout,
    UsageError,
    WebsocketCommunicator,
)


async def app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("not started")


def test_the_builtins_each_error_is() -> None:
    assert issubclass(Timeout, TimeoutError)
    assert issubclass(Timeout, asyncio.TimeoutError)
    assert issubclass(ProtocolError, AssertionError)
    assert issubclass(InvalidArgument, UsageError)
    assert issubclass(InvalidArgument, TypeError)
    assert issubclass(InvalidArgument, ValueError)
    assert issubclass(UsageError, AsgitestError)


def test_public_errors_say_asgitest() -> None:
    assert InvalidArgument.__module__ == "asgitest"
    assert "asgitest.InvalidArgument" in repr(InvalidArgument)


@pytest.mark.parametrize(
    ("make", "argument", "says"),
    [
        (lambda: HttpCommunicator(app, "GET", "/", timeout="1"), "timeout", "'1'"),
        (lambda: HttpCommunicator(app, "GET", "/", timeout=-1), "timeout", "-1"),
        (lambda: HttpCommunicator(app, "GET", "/", timeout=float("nan")), "timeout", "nan"),
        (lambda: WebsocketCommunicator(app, "/", strict="loud"), "strict", "'loud'"),
        (lambda: TestApp(app, lifespan="sometimes"), "lifespan", "'sometimes'"),
        (lambda: TestApp(app, ignore_rules=["R999"]), "ignore_rules", "'R999'"),
        (lambda: HttpCommunicator(app, "GET", "/", ignore_rules=42), "ignore_rules", "42"),
    ],
    ids=["str-timeout", "negative", "nan", "strict", "lifespan", "unknown-rule", "rules-int"],
)
def test_a_bad_argument_names_itself_and_the_value(make: Any, argument: str, says: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        make()
    assert caught.value.argument == argument
    assert says in str(caught.value)
    assert "Valid values" in str(caught.value) or "rule id" in str(caught.value)


def test_valid_timeouts() -> None:
    assert HttpCommunicator(app, "GET", "/", timeout=0).timeout == 0
    assert HttpCommunicator(app, "GET", "/", timeout=2).timeout == 2
    assert HttpCommunicator(app, "GET", "/", timeout=None).timeout is None
    assert HttpCommunicator(app, "GET", "/", timeout=float("inf")).timeout is None


@pytest.mark.anyio
async def test_a_bad_timeout_given_to_a_wait_is_refused_before_waiting() -> None:
    async with WebsocketCommunicator(asgitest_echo, "/") as communicator:
        with pytest.raises(InvalidArgument, match="timeout"):
            await communicator.connect(timeout="1")  # type: ignore[arg-type]
        assert await communicator.connect() == (True, None)


async def asgitest_echo(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def test_every_exported_error_is_documented() -> None:
    names = [name for name in asgitest.__all__ if name.endswith(("Error", "Argument"))]
    for name in names:
        assert getattr(asgitest, name).__doc__, name
