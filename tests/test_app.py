"""What asgitest accepts as an application, and the TypeError for what it does not.

Also: the helpers' errors survive ``python -O`` (no bare ``assert`` anywhere in asgitest), and a
communicator that is never disconnected is cleaned up with a LeakedAppWarning, without asyncio's
"Task was destroyed" noise, even under ``-W error``.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    InvalidApplication,
    WebsocketCommunicator,
)

ASGITEST_DIR = Path(__file__).resolve().parent.parent / "asgitest"
HTTP_SCOPE = {"type": "http", "method": "GET", "path": "/"}


async def hello(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


# ---------------------------------------------------------------- rejected up front


def test_consumer_class_without_as_asgi() -> None:
    channels_http = pytest.importorskip("channels.generic.http")

    class PingConsumer(channels_http.AsyncHttpConsumer):
        async def handle(self, body: bytes) -> None:
            await self.send_response(200, b"pong")

    with pytest.raises(InvalidApplication) as caught:
        HttpCommunicator(PingConsumer, "GET", "/")
    assert isinstance(caught.value, TypeError)
    message = str(caught.value)
    assert "consumer class" in message
    assert "PingConsumer" in message
    assert "Did you mean test_consumer_class_without_as_asgi.<locals>.PingConsumer.as_asgi()?" in (
        message
    )


def test_websocket_consumer_class_without_as_asgi() -> None:
    channels_websocket = pytest.importorskip("channels.generic.websocket")
    with pytest.raises(TypeError, match=r"Did you mean AsyncWebsocketConsumer\.as_asgi\(\)\?"):
        WebsocketCommunicator(channels_websocket.AsyncWebsocketConsumer, "/ws/")


def test_sync_function() -> None:
    def sync_app(scope: Any, receive: Any, send: Any) -> None:
        pass

    with pytest.raises(TypeError) as caught:
        HttpCommunicator(sync_app, "GET", "/")
    message = str(caught.value)
    assert "sync_app" in message
    assert "synchronous" in message
    assert "async def sync_app(scope, receive, send)" in message


def test_coroutine_object() -> None:
    coroutine = hello(HTTP_SCOPE, None, None)
    with pytest.raises(TypeError) as caught:
        HttpCommunicator(coroutine, "GET", "/")  # a common slip: hello(...) instead of hello
    message = str(caught.value)
    assert "coroutine object" in message
    assert "HttpCommunicator(hello, ...)" in message
    # asgitest closed it: no "coroutine ... was never awaited" RuntimeWarning later.
    assert coroutine.cr_frame is None


def test_none() -> None:
    with pytest.raises(TypeError, match="but got None"):
        WebsocketCommunicator(None, "/ws/")
    with pytest.raises(TypeError, match="but got None"):
        ApplicationCommunicator(None, HTTP_SCOPE)


def test_not_callable() -> None:
    with pytest.raises(TypeError, match=r"got str 'myproject\.asgi:application', which is not"):
        HttpCommunicator("myproject.asgi:application", "GET", "/")


@pytest.mark.parametrize(
    ("app", "signature"),
    [
        pytest.param(lambda: None, "()", id="no-arguments"),
        pytest.param(None, "(scope, receive)", id="async-two-arguments"),
        pytest.param(None, "(scope, receive, send, extra)", id="async-four-arguments"),
    ],
)
def test_wrong_arity(app: Any, signature: str) -> None:
    if app is None:
        namespace: dict[str, Any] = {}
        exec(f"async def app{signature}:\n    pass", namespace)
        app = namespace["app"]
    with pytest.raises(TypeError) as caught:
        HttpCommunicator(app, "GET", "/")
    message = str(caught.value)
    assert signature in message
    assert "(scope, receive, send)" in message


def test_class_whose_constructor_does_not_take_a_scope() -> None:
    class NotAnApp:
        def __init__(self, a: int, b: int) -> None:
            pass

    with pytest.raises(TypeError, match=r"NotAnApp\(scope\) cannot be called with one argument"):
        HttpCommunicator(NotAnApp, "GET", "/")


# ---------------------------------------------------------------- accepted


class Asgi2App:
    """A genuine ASGI 2 double callable: App(scope), then await instance(receive, send)."""

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    async def __call__(self, receive: Any, send: Any) -> None:
        await hello(self.scope, receive, send)


class InstanceApp:
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await hello(scope, receive, send)


def logged(app: Any) -> Any:
    @functools.wraps(app)
    async def wrapper(*args: Any) -> None:
        await app(*args)

    return wrapper


@pytest.mark.anyio
@pytest.mark.parametrize(
    "app",
    [
        pytest.param(hello, id="asgi3-function"),
        pytest.param(Asgi2App, id="asgi2-class"),
        pytest.param(InstanceApp(), id="instance-with-async-call"),
        pytest.param(logged(hello), id="functools-wraps"),
        pytest.param(functools.partial(hello), id="partial"),
    ],
)
async def test_accepted_applications(app: Any) -> None:
    async with HttpCommunicator(app, "GET", "/") as communicator:
        response = await communicator.get_response()
    assert response["body"] == b"hello"


# ---------------------------------------------------------------- python -O


def test_no_bare_assert_in_the_package() -> None:
    offenders = [
        f"{path.name}:{node.lineno}"
        for path in sorted(ASGITEST_DIR.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Assert)
    ]
    assert offenders == [], f"bare asserts vanish under python -O: {offenders}"


OPTIMIZED_SCRIPT = """\
import asyncio
import sys

from asgitest import HttpCommunicator, UnexpectedMessage, WebsocketCommunicator

assert False, "this line must not run: the interpreter is not in -O mode"


async def closes(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 1000})


async def bad_start(scope, receive, send):
    await receive()
    await send({"type": "http.response.body", "body": b"no start"})


async def main():
    errors = []
    communicator = WebsocketCommunicator(closes, "/")
    await communicator.connect()
    for kwargs in ({}, {"text_data": "a", "bytes_data": b"b"}, {"text_data": b"x"},
                   {"bytes_data": "x"}):
        try:
            await communicator.send_to(**kwargs)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
    try:
        await communicator.receive_from()
    except AssertionError as error:
        errors.append(f"{type(error).__name__}: {error}")
    await communicator.disconnect()
    http = HttpCommunicator(bad_start, "GET", "/", strict="off")
    try:
        await http.get_response()
    except UnexpectedMessage as error:
        errors.append(f"{type(error).__name__}: {error}")
    try:
        HttpCommunicator(bad_start, "GET", "/", body="text")
    except TypeError as error:
        errors.append(f"{type(error).__name__}: {error}")
    print("\\n".join(errors))


asyncio.run(main())
"""


def test_helper_errors_survive_python_dash_o(tmp_path: Path) -> None:
    script = tmp_path / "optimized.py"
    script.write_text(OPTIMIZED_SCRIPT)
    done = subprocess.run(
        [sys.executable, "-O", "-W", "error", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:4] == [
        "InvalidArgument: You must supply exactly one of text_data or bytes_data",
        "InvalidArgument: You must supply exactly one of text_data or bytes_data",
        "InvalidArgument: The text_data argument must be a str",
        "InvalidArgument: The bytes_data argument must be bytes",
    ]
    assert lines[4].endswith("Expected type 'websocket.send', but was 'websocket.close'")
    assert lines[5].startswith('UnexpectedMessage: Expected "http.response.start"')
    assert lines[6].startswith("InvalidArgument: HttpCommunicator body must be bytes, got str")
    assert done.stderr == ""


# ---------------------------------------------------------------- -W error: leaks


LEAKY_TESTS = """\
import asyncio

import pytest

from asgitest import WebsocketCommunicator

events = []


async def stays_open(scope, receive, send):
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif message["type"] == "websocket.disconnect":
                return
    except asyncio.CancelledError:
        events.append("cancelled")
        raise


@pytest.mark.asyncio
async def test_never_disconnects():
    communicator = WebsocketCommunicator(stays_open, "/left/open/")
    assert await communicator.connect() == (True, None)


def test_the_app_was_cancelled():
    assert events == ["cancelled"]


def test_constructor_that_fails():
    with pytest.raises(TypeError):
        WebsocketCommunicator(stays_open, b"/bytes/path")
"""


def test_dropped_communicator_is_cancelled_and_warned_about(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess(
        "-W",
        "error",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:django",
        "-o",
        "asyncio_mode=strict",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    output = result.stdout.str() + result.stderr.str()
    # Under -W error the warning raised in __del__ is reported as an unraisable exception,
    # which pytest turns into an error of the leaking test: the leak cannot go unnoticed.
    assert "LeakedAppWarning" in output
    assert "websocket /left/open/" in output
    assert "was dropped while its app was still running" in output
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_leaky.py::test_never_disconnects - *"])
    for noise in (
        "Task was destroyed",
        "Event loop is closed",
        "never retrieved",
        "AttributeError",
    ):
        assert noise not in output, noise
