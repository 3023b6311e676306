"""One test per defect the reliability suite found, named after what it caught."""

from __future__ import annotations

from typing import Any

import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    LifespanCommunicator,
    ProtocolWarning,
    UnexpectedMessage,
    WebsocketCommunicator,
)

pytestmark = pytest.mark.anyio


def sends(*messages: Any) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        for message in messages:
            await send(message)

    return app


@pytest.mark.parametrize("strict", ["off", "warn"])
async def test_non_dict_message_with_checker_off_is_unexpected_message_not_attribute_error(
    strict: str,
) -> None:
    # Found: with strict="off" the engine called message.get() on the app's 42 and the
    # AttributeError surfaced from inside asgitest; get_response() did the same.
    communicator = HttpCommunicator(sends(42), "GET", "/", timeout=0.05, strict=strict)
    async with communicator:
        with pytest.raises(UnexpectedMessage, match="must be a dict"):
            if strict == "warn":
                with pytest.warns(ProtocolWarning) as caught:
                    await communicator.get_response()
                assert any("R6" in str(warning.message) for warning in caught)
            else:
                await communicator.get_response()
    assert communicator.transcript.sent_by_app() == [42]


async def test_non_dict_message_reaches_raw_receive_output_as_is() -> None:
    scope = HttpCommunicator(sends(), "GET", "/").scope
    async with ApplicationCommunicator(sends("text"), scope, strict="off") as communicator:
        await communicator.send_input({"type": "http.request", "body": b""})
        assert await communicator.receive_output(0.5) == "text"


async def test_non_dict_message_on_websocket_and_lifespan_helpers() -> None:
    async with WebsocketCommunicator(sends(None), "/", timeout=0.05, strict="off") as ws:
        with pytest.raises(UnexpectedMessage, match="must be a dict"):
            await ws.connect()
    lifespan = LifespanCommunicator(sends(["x"]), timeout=0.05, strict="off", lifespan="on")
    with pytest.raises(UnexpectedMessage, match="must be a dict"):
        async with lifespan:
            pass


class Interrupt(BaseException):
    """A KeyboardInterrupt stand-in."""


def raises(error: BaseException) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise error

    return app


async def test_base_exception_from_app_is_raised_as_itself_on_trio_not_an_exception_group() -> None:
    # Found: under trio a BaseException subclass raised by the app escaped through the
    # communicator's nursery as a BaseExceptionGroup; asyncio raised it as itself.
    error = Interrupt("stand-in")
    communicator = HttpCommunicator(raises(error), "GET", "/", timeout=0.05)
    with pytest.raises(Interrupt) as caught:
        async with communicator:
            await communicator.get_response()
    assert caught.value is error
    assert communicator._engine.state == "crashed"


async def test_cancelled_error_raised_by_app_ends_it_as_cancelled_on_trio_too() -> None:
    # Found: under trio an asyncio.CancelledError raised by the app reached the test inside an
    # exception group; on asyncio the app is simply cancelled and the wait reports the ending.
    import asyncio

    from asgitest import Timeout

    communicator = HttpCommunicator(raises(asyncio.CancelledError()), "GET", "/", timeout=0.05)
    async with communicator:
        with pytest.raises(Timeout, match="ended without sending it"):
            await communicator.get_response()
    assert communicator._engine.state == "cancelled"


async def test_app_returning_just_before_disconnect_gives_same_verdict_on_both_backends() -> None:
    # Found: on asyncio the app's end was recorded by a task done callback one loop iteration
    # late, so a disconnect() right after receive_nothing() came first and the unfinished
    # response passed; on trio the app had already ended and R54 was reported.
    from asgitest import ProtocolError

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})

    communicator = HttpCommunicator(app, "POST", "/", timeout=0.05)
    async with communicator:
        await communicator.send_request()
        with pytest.raises(ProtocolError, match="R54"):
            await communicator.receive_nothing(0.05)
        assert communicator._engine.state == "finished"
        await communicator.disconnect()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_app_cancelled_before_its_first_step_leaves_no_never_awaited_coroutine() -> None:
    # The asyncio engine wraps the app's coroutine; cancelled before the wrapper ran, the
    # app's coroutine must still be closed (no "coroutine ... was never awaited").
    import gc

    scope = HttpCommunicator(raises(ValueError()), "GET", "/").scope
    communicator = ApplicationCommunicator(raises(ValueError()), scope)
    task = communicator.future  # started (asgiref's way), but its first step has not run
    communicator.stop()
    assert task.cancelled() or not task.done()
    await communicator.aclose()
    del communicator
    gc.collect()


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_app_cancelled_by_the_tests_cancel_scope_on_trio_is_not_left_running() -> None:
    # Found: under trio an app cancelled by a cancel scope of the test (around `async with`)
    # ended with trio.Cancelled, which the engine re-raised without recording the end: the
    # engine said "running" forever (and a Django lock would never be released).
    import anyio

    async def silent(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    communicator = HttpCommunicator(silent, "GET", "/", timeout=0.05)
    with anyio.move_on_after(0.02):
        async with communicator:
            await communicator.get_response(None)
    assert communicator._engine.state == "cancelled"


async def test_test_cancelled_while_closing_does_not_leave_a_stubborn_app_running() -> None:
    # Found: cancelled (or interrupted) while `async with` was closing, aclose() gave up its
    # wait without cancelling the app; on asyncio an app ignoring the disconnect then ran on
    # after the test, forever.
    import anyio
    import anyio.lowlevel

    from asgitest import WebsocketCommunicator

    async def stubborn(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await anyio.Event().wait()

    communicator = WebsocketCommunicator(stubborn, "/", timeout=0.05)
    with anyio.move_on_after(0.05):
        async with communicator:
            await communicator.connect()
            await communicator.disconnect(timeout=None)
    for _ in range(3):
        await anyio.lowlevel.checkpoint()
    assert communicator._engine.state == "cancelled"


def test_app_objects_are_not_kept_alive_by_the_application_cache() -> None:
    # Found by the memory property: resolve_application() cached each app in a
    # WeakKeyDictionary whose value was the app itself (or an adapter around it), so the weak
    # key never died and every app ever tested, with all its closure, stayed in memory.
    import gc
    import weakref

    from asgitest._app import resolve_application

    def make() -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            pass

        class Asgi2:
            def __init__(self, scope: Any) -> None:
                pass

            async def __call__(self, receive: Any, send: Any) -> None:
                pass

        return app, Asgi2

    app, asgi2 = make()
    assert resolve_application(app) is app
    assert resolve_application(app) is app  # from the cache
    resolve_application(asgi2)
    resolve_application(asgi2)
    refs = [weakref.ref(app), weakref.ref(asgi2)]
    del app, asgi2
    gc.collect()
    assert [ref() for ref in refs] == [None, None]


@pytest.mark.parametrize("kind", ["http", "websocket", "lifespan"])
async def test_receive_left_behind_by_a_returned_app_does_not_wait_forever(kind: str) -> None:
    # Found: a background task of the app still in receive() when the app returned waited
    # forever (nothing would ever wake it): a hang in the test's task group under trio, a
    # pending task destroyed at loop close under asyncio.
    import anyio

    from asgitest import UsageError

    results: list[Any] = []
    done = anyio.Event()

    async def late_receive(receive: Any) -> None:
        try:
            results.append(await receive())
        except UsageError as error:
            results.append(error)
        done.set()

    async with anyio.create_task_group() as group:

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            group.start_soon(late_receive, receive)
            await anyio.sleep(0.01)  # the background task is now waiting in receive()

        scope = {
            "http": lambda: HttpCommunicator(app, "GET", "/").scope,
            "websocket": lambda: WebsocketCommunicator(app, "/").scope,
            "lifespan": lambda: LifespanCommunicator(app).scope,
        }[kind]()
        first = {
            "http": {"type": "http.request", "body": b""},
            "websocket": {"type": "websocket.connect"},
            "lifespan": {"type": "lifespan.startup"},
        }[kind]
        async with ApplicationCommunicator(app, scope, strict="off") as communicator:
            await communicator.send_input(first)
            with anyio.fail_after(5):
                await communicator.wait()
        with anyio.fail_after(5):
            await done.wait()
    if kind == "lifespan":
        assert isinstance(results[0], UsageError)
    else:
        assert results[0]["type"] == f"{kind}.disconnect"


async def test_two_tasks_of_the_app_waiting_in_receive_are_both_woken() -> None:
    # Found: the app-side wake-up held one waiter only; a second task of the app calling
    # receive() at the same time replaced the first, which then waited forever although
    # messages arrived (e.g. a handler reading while a watcher waits for the disconnect).
    import anyio

    got: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})

        async def reader() -> None:
            got.append((await receive())["type"])

        async with anyio.create_task_group() as group:
            group.start_soon(reader)
            group.start_soon(reader)
        await send({"type": "websocket.send", "text": ",".join(sorted(got))})

    async with WebsocketCommunicator(app, "/", timeout=2) as ws:
        await ws.connect()
        await ws.receive_nothing(0.01)  # both readers are now waiting
        await ws.send_to(text_data="one")
        await ws.send_to(text_data="two")
        assert await ws.receive_from() == "websocket.receive,websocket.receive"


@pytest.mark.parametrize(
    "messages",
    [
        [{"type": "http.response.start", "status": 200, "headers": -1}],
        [
            {"type": "http.response.start", "status": 200, "headers": [], "trailers": True},
            {"type": "http.response.body", "body": b""},
            {"type": "http.response.trailers", "headers": 5},
        ],
        [
            {"type": "http.response.start", "status": 200},
            {"type": "http.response.zerocopysend"},
        ],
    ],
    ids=["start-headers", "trailer-headers", "zerocopysend-without-file"],
)
async def test_malformed_field_with_checker_off_is_unexpected_message_not_type_error(
    messages: list[Any],
) -> None:
    # Found: with strict="off"/"warn", get_response() built Headers(-1) and raised TypeError
    # from inside asgitest (likewise trailers and extension messages with missing fields).
    extensions = {"http.response.trailers": {}, "http.response.zerocopysend": {}}
    communicator = HttpCommunicator(
        sends(*messages), "GET", "/", timeout=0.05, strict="off", extensions=extensions
    )
    async with communicator:
        with pytest.raises(UnexpectedMessage, match="could not read"):
            await communicator.get_response()


async def test_malformed_denial_response_with_checker_off_is_unexpected_message() -> None:
    app = sends(
        {"type": "websocket.http.response.start", "status": 403, "headers": 1},
        {"type": "websocket.http.response.body", "body": b""},
    )
    communicator = WebsocketCommunicator(
        app, "/", timeout=0.05, strict="off", extensions={"websocket.http.response": {}}
    )
    async with communicator:
        with pytest.raises(UnexpectedMessage, match="could not read"):
            await communicator.connect()


@pytest.mark.parametrize("kind", ["http", "lifespan"])
async def test_websocket_close_sent_on_another_scope_does_not_disconnect_it(kind: str) -> None:
    # Found: with strict="off"/"warn", a "websocket.close" sent by a lifespan (or HTTP) app made
    # the engine hand that app "websocket.disconnect" from then on, a message of another
    # protocol, instead of what the test sent.
    import warnings

    received: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        received.append(await receive())
        await send({"type": "websocket.close"})
        received.append(await receive())

    if kind == "http":
        scope = HttpCommunicator(app, "POST", "/").scope
        first = {"type": "http.request", "body": b"", "more_body": True}
        second = {"type": "http.request", "body": b"", "more_body": False}
    else:
        scope = LifespanCommunicator(app).scope
        first, second = {"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProtocolWarning)
        async with ApplicationCommunicator(app, scope, strict="warn") as communicator:
            await communicator.send_input(first)
            assert (await communicator.receive_output(1))["type"] == "websocket.close"
            await communicator.send_input(second)
            await communicator.wait(1)
    assert received == [first, second]
