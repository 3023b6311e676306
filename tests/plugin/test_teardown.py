"""Nothing outlives its test: leaks from fixtures fail the test, a test's own only warn."""

from __future__ import annotations

import pytest
from plugin_helpers import RUNNERS, Runner, render, run, setup_project

LEAKS = """
from apps import busy, echo
from asgitest import WebsocketCommunicator

RUNNING = []


async def counted_echo(scope, receive, send):
    RUNNING.append(scope["path"])
    try:
        await echo(scope, receive, send)
    finally:
        RUNNING.remove(scope["path"])


pytestmark = pytest.mark.asgi(app=counted_echo)
KEEP = []
try:
    from pytest_asyncio import __version__ as _version
except ImportError:
    _version = "1.1"
OLD_PYTEST_ASYNCIO = tuple(map(int, _version.split(".")[:2])) < (1, 1)


{mark}
async def test_websocket_never_disconnected(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/left-open/")
    connected, _ = await communicator.connect()
    assert connected


{mark}
@pytest.mark.asgi(app=busy)
async def test_request_whose_app_is_still_busy(asgi_http_factory):
    communicator = asgi_http_factory("GET", "/slow")
    response = await communicator.get_response()
    assert response["body"] == b"done"


{mark}
@pytest.mark.asgi(allow_leaks=True)
async def test_opted_out(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/allowed/")
    await communicator.connect()


{mark}
async def test_own_communicator_only_warns():
    communicator = WebsocketCommunicator(counted_echo, "/own/")
    KEEP.append(communicator)  # still referenced, so only the plugin can notice it
    connected, _ = await communicator.connect()
    assert connected


{mark}
async def test_failing_test_keeps_its_own_failure(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/failing/")
    await communicator.connect()
    assert 1 == 2, "the test's own failure"


{mark}
async def test_next_test_finds_nothing_running(request):
    # Under runners that close the test's loop before its teardown (pytest-asyncio 0.24 to
    # 1.0), the app of the test's own communicator, checked after teardown, can no longer
    # unwind: it is reported (the warning says so), but its finally block never runs.
    by_pytest_asyncio = request.node.get_closest_marker("anyio") is None
    left = ["/own/"] if OLD_PYTEST_ASYNCIO and by_pytest_asyncio else []
    assert RUNNING == left
"""


def test_leaks_fail_fixture_tests_and_warn_for_own(
    pytester: pytest.Pytester, asyncio_runner: Runner
) -> None:
    setup_project(pytester, asyncio_runner)
    pytester.makepyfile(test_leaks=render(LEAKS, asyncio_runner))
    result = run(pytester, asyncio_runner, "-W", "default::ResourceWarning")
    result.assert_outcomes(failed=3, passed=3, warnings=1)
    assert result.stdout.str().count("- Captured asgitest transcript call -") == 1
    result.stdout.fnmatch_lines(
        [
            "*_ test_websocket_never_disconnected _*",
            "asgitest: 1 application instance started by the test through asgitest fixtures "
            "was still running when the test ended, and was cancelled.*",
            "websocket /left-open/ (asgi_websocket_factory): scope {'type': 'websocket'*",
            "websocket /left-open/ (asgi_websocket_factory) ?still running; *cancelled*, "
            "2 messages:",
            '*test → app  "websocket.connect"',
            '*app → test  "websocket.accept"*',
            "*_ test_request_whose_app_is_still_busy _*",
            "asgitest: 1 application instance started by the test*",
            "http GET /slow (asgi_http_factory): scope {'type': 'http'*",
            "*_ test_failing_test_keeps_its_own_failure _*",
            "E * AssertionError: the test's own failure",
            "*- Captured asgitest transcript call -*",
            "websocket /failing/ (asgi_websocket_factory) ?still running; *cancelled*, 2 messages:",
            "*LeakedAppWarning: asgitest: the app of websocket /own/, built by the test itself, "
            "was still running*",
        ]
    )
    # The opted-out test and the test that only warned passed; the next test ran clean.
    result.stdout.no_fnmatch_line("*test_opted_out*FAILED*")


FIXTURE_LEAK = """
from apps import echo

pytestmark = pytest.mark.asgi(app=echo)


{fixture}
async def connected(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/from-fixture/")
    await communicator.connect()
    yield communicator
    # forgot: await communicator.disconnect()


{mark}
async def test_uses_the_fixture(connected):
    await connected.send_to(text_data="hi")
    assert await connected.receive_from() == "hi"
"""


@pytest.mark.parametrize("name", ["asyncio-strict", "anyio-asyncio"])
def test_leak_from_an_async_fixture_is_a_teardown_error(
    pytester: pytest.Pytester, name: str
) -> None:
    runner = RUNNERS[name]
    setup_project(pytester, runner)
    pytester.makepyfile(test_fixture_leak=render(FIXTURE_LEAK, runner))
    result = run(pytester, runner)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_uses_the_fixture*",
            "asgitest: 1 application instance made through asgitest fixtures was still "
            "running after the test's fixtures were torn down*",
            "websocket /from-fixture/ (asgi_websocket_factory): scope*",
        ]
    )


TRIO_CLOSES = """
import pytest
from apps import echo

pytestmark = pytest.mark.asgi(app=echo)


@pytest.mark.anyio
async def test_async_with_closes(asgi_websocket_factory):
    async with asgi_websocket_factory("/ws/") as communicator:
        await communicator.connect()
    assert communicator.transcript.received_by_app()[-1]["type"] == "websocket.disconnect"
"""


def test_under_trio_async_with_leaves_nothing_behind(pytester: pytest.Pytester) -> None:
    runner = RUNNERS["anyio-trio"]
    setup_project(pytester, runner)
    pytester.makepyfile(test_trio=TRIO_CLOSES)
    result = run(pytester, runner)
    result.assert_outcomes(passed=1)


LOOP_CLOSED_FIRST = """
import asyncio

from apps import echo
from asgitest import WebsocketCommunicator

KEEP = []


def test_loop_closed_before_the_teardown():
    # What pytest-asyncio 0.24 to 1.0 do: the loop is closed before the plugin's teardown
    # looks at what still runs.
    loop = asyncio.new_event_loop()
    communicator = WebsocketCommunicator(echo, "/left-open/")
    KEEP.append(communicator)
    assert loop.run_until_complete(communicator.connect()) == (True, None)
    loop.close()


def test_next_test_runs():
    assert asyncio.run(asyncio.sleep(0, "ok")) == "ok"
"""


def test_a_loop_closed_before_the_teardown_still_gets_the_leak_report(
    pytester: pytest.Pytester,
) -> None:
    setup_project(pytester)
    pytester.makepyfile(test_closed=LOOP_CLOSED_FIRST)
    result = run(pytester, None, "-W", "error::asgitest.LeakedAppWarning")
    result.assert_outcomes(passed=2, errors=1)
    output = result.stdout.str() + result.stderr.str()
    assert "still running when its event loop was closed" in output
    assert "websocket /left-open/" in output
    assert "Event loop is closed" not in output
    assert "Exception ignored" not in output
