"""Under pytest-xdist (``-n 2``): options reach the workers, reports keep their sections."""

from __future__ import annotations

import pytest
from plugin_helpers import RUNNERS, render, run, setup_project

SUITE = """
from apps import echo

pytestmark = pytest.mark.asgi(app=echo)


{mark}
@pytest.mark.parametrize("n", range(6))
async def test_echo(asgi_websocket_factory, asgi_config, n):
    assert asgi_config.timeout_factor == 2.0
    assert asgi_config.timeout == 0.5
    async with asgi_websocket_factory(f"/ws/{n}") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data=str(n))
        assert await communicator.receive_from() == str(n)


{mark}
async def test_fails_with_transcript(asgi_websocket_factory):
    async with asgi_websocket_factory("/ws/failing") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="hello")
        assert await communicator.receive_from() == "goodbye"


{mark}
async def test_leaks(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/ws/leaking")
    await communicator.connect()
"""

XDIST_BASE = ("-p", "no:cacheprovider", "-p", "no:django", "-p", "no:timeout", "-p", "xdist")


@pytest.mark.parametrize("name", ["asyncio-strict", "anyio-asyncio", "anyio-trio"])
def test_two_workers(pytester: pytest.Pytester, name: str) -> None:
    runner = RUNNERS[name]
    setup_project(pytester, runner, ini="asgi_timeout = 0.5\nasgi_timeout_factor = 2")
    source = render(SUITE, runner)
    if runner.trio:  # under trio a test cannot leave an app running: skip that case
        source = source.split("@pytest.mark.anyio\nasync def test_leaks")[0]
    pytester.makepyfile(test_suite=source)
    result = run(pytester, runner, "-n", "2", base=XDIST_BASE)
    if runner.trio:
        result.assert_outcomes(passed=6, failed=1)
    else:
        result.assert_outcomes(passed=6, failed=2)
        result.stdout.fnmatch_lines(
            ["*asgitest: 1 application instance started by the test through asgitest fixtures*"]
        )
    result.stdout.fnmatch_lines(
        [
            "created: 2/2 workers",
            "*- Captured asgitest transcript call -*",
            "websocket /ws/failing (asgi_websocket_factory) *",
            "*app → test  \"websocket.send\" text='hello'*",
        ]
    )
