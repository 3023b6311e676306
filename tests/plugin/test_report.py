"""The "asgitest transcript" section of failure reports, and pytest_assertrepr_compare."""

from __future__ import annotations

import pytest
from plugin_helpers import RUNNERS, Runner, render, run, setup_project

FAILING = """
from apps import chatty, echo
from asgitest import Timeout, WebsocketCommunicator

pytestmark = pytest.mark.asgi(app=chatty)


{mark}
async def test_fails_after_a_long_response(asgi_http_factory):
    async with asgi_http_factory("GET", "/report") as communicator:
        response = await communicator.get_response()
    assert response["status"] == 200


{mark}
async def test_shows_the_tests_own_communicators_too(asgi_http_factory):
    async with asgi_http_factory("GET", "/first") as first:
        await first.get_response()
    async with WebsocketCommunicator(echo, "/own/") as own:
        await own.connect()
        await own.send_to(bytes_data=b"\\x01\\x02")
        await own.receive_from()
    raise RuntimeError("the test broke")


{mark}
@pytest.mark.asgi(app="apps:silent", timeout=0.05)
async def test_timeout(asgi_http_factory):
    async with asgi_http_factory("POST", "/wait", body=b"payload") as communicator:
        try:
            await communicator.get_response()
        finally:
            communicator.stop()


{mark}
async def test_passes(asgi_http_factory):
    async with asgi_http_factory("GET", "/") as communicator:
        await communicator.get_response()
"""


def test_failure_report_has_the_transcripts(pytester: pytest.Pytester, runner: Runner) -> None:
    setup_project(pytester, runner, ini="asgi_transcript_lines = 5")
    pytester.makepyfile(test_report=render(FAILING, runner))
    result = run(pytester, runner, "-rP")
    result.assert_outcomes(failed=3, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails_after_a_long_response _*",
            "E       assert 500 == 200",
            "*- Captured asgitest transcript call -*",
            "http GET /report (asgi_http_factory) ?finished?, last 5 of 33 messages:",
            "  ... 28 earlier lines not shown",
            "*#29 *app → test  \"http.response.body\" body=b'chunk 27' more_body=True",
            "*#32 *app → test  \"http.response.body\" body=b'\\x00\\xffend'",
            "*the app returned",
            "*_ test_shows_the_tests_own_communicators_too _*",
            "E       RuntimeError: the test broke",
            "*- Captured asgitest transcript call -*",
            "http GET /first (asgi_http_factory) ?finished?, last 5 of 33 messages:",
            "*",
            "websocket /own/ (built by the test) ?finished?, 5 messages:",
            "*test → app  \"websocket.receive\" bytes=b'\\x01\\x02'*",
            "*_ test_timeout _*",
            "E *Timeout: Timed out after 0.05s waiting for *",
            "*- Captured asgitest transcript call -*",
            "http POST /wait (asgi_http_factory) *messages:",
            "*test → app  \"http.request\" body=b'payload'",
        ]
    )
    # One section per failed test; the passing test gets none, even with -rP.
    assert result.stdout.str().count("- Captured asgitest transcript call -") == 3


def test_pattern_comparisons_render_the_first_difference(pytester: pytest.Pytester) -> None:
    """`assert message == Pattern(...)` is explained by asgitest's own rendering; other
    comparisons keep pytest's."""
    setup_project(pytester)
    pytester.makepyfile(
        test_compare="""
        from asgitest import Pattern

        def test_compare():
            message = {"type": "http.response.start", "status": 500, "headers": []}
            assert message == Pattern("http.response.start", status=200)

        def test_other_values_keep_pytest_rendering():
            assert [1] == [2]
        """
    )
    result = run(pytester, RUNNERS["anyio-asyncio"])
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            '*assert {"type": "http.response.start", "status": 500, "headers": []} == Pattern(*',
            'E  *at [[]"status"]: expected 200, got 500',
            'E  *pattern: {"type": "http.response.start", "status": 200}',
            "*test_other_values_keep_pytest_rendering*",
            "E       assert [1] == [2]",
        ]
    )


MANY = """
import pytest
from apps import hello
from asgitest import HttpCommunicator


@pytest.mark.anyio
async def test_many_requests(_asgitest_registry):
    for n in range(1000):
        async with HttpCommunicator(hello, "GET", f"/{n}") as communicator:
            await communicator.get_response()
    # Finished instances are let go (only the recent ones are kept, for the report).
    assert len(_asgitest_registry.tracked) < 300
    raise AssertionError("show the report")
"""


def test_many_communicators_keep_the_report_short(pytester: pytest.Pytester) -> None:
    runner = RUNNERS["anyio-asyncio"]
    setup_project(pytester, runner)
    pytester.makepyfile(test_many=MANY)
    result = run(pytester, runner)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: show the report",
            "*- Captured asgitest transcript call -*",
            "http GET /980 (built by the test) ?finished?, 3 messages:",
        ]
    )
    assert result.stdout.str().count("(built by the test)") == 20
