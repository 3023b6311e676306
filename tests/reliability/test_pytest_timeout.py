"""A test killed by pytest-timeout in the middle of a wait does not affect the next test.

asyncio only: under trio, pytest-timeout's signal method hangs the run even for a test that
only awaits an event, without asgitest (the exception it raises lands in trio's own I/O wait).
"""

from __future__ import annotations

import pytest

TESTS = """
import anyio
import pytest

from asgitest import HttpCommunicator, WebsocketCommunicator


async def never_answers(scope, receive, send):
    await anyio.Event().wait()


async def echo(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] != "websocket.disconnect":
        await send({"type": "websocket.send", "text": message["text"]})


@pytest.mark.anyio
@pytest.mark.timeout(0.5)
async def test_1_killed_while_waiting():
    async with HttpCommunicator(never_answers, "GET", "/", timeout=None) as communicator:
        await communicator.get_response()


@pytest.mark.anyio
async def test_2_next_test_is_unaffected():
    async with WebsocketCommunicator(echo, "/", timeout=2) as ws:
        assert await ws.connect() == (True, None)
        await ws.send_to(text_data="fine")
        assert await ws.receive_from() == "fine"
        await ws.disconnect()
"""


def test_pytest_timeout_during_a_wait_leaves_the_next_test_unaffected(
    pytester: pytest.Pytester,
) -> None:
    backend = "asyncio"
    pytester.makeconftest(
        f"""
import pytest

@pytest.fixture
def anyio_backend():
    return {backend!r}
"""
    )
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    pytester.makepyfile(test_killed=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--timeout-method=signal")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_1_killed_while_waiting*Timeout*"])
    output = result.stdout.str() + result.stderr.str()
    for noise in ("Task was destroyed", "was never awaited", "Event loop is closed", "Unraisable"):
        assert noise not in output, output
