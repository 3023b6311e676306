"""The loop a run asked for (``--event-loop``) is the one the suite's asyncio tests get."""

from __future__ import annotations

import asyncio

import pytest

from asgitest import HttpCommunicator
from tests.apps import hello_world

# (The anyio test runs first: under pytest-asyncio 0.24, an asyncio.Runner after one of its
# tests drops the loop that plugin has set, which then warns unclosed; not asgitest.)


def _loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", [("asyncio", {"debug": True})], ids=["asyncio"])
async def test_anyio_runs_on_the_loop_asked_for(anyio_backend: object, expected_loop: str) -> None:
    assert _loop_name(asyncio.get_running_loop()) == expected_loop


@pytest.mark.asyncio
async def test_pytest_asyncio_runs_on_the_loop_asked_for(expected_loop: str) -> None:
    assert _loop_name(asyncio.get_running_loop()) == expected_loop
    response = await HttpCommunicator(hello_world, "GET", "/").get_response()
    assert response["status"] == 200


def test_a_new_loop_is_the_one_asked_for(expected_loop: str) -> None:
    # (What asyncio.run() and asyncio.Runner make too; not run here: under pytest-asyncio
    # 0.24 a Runner drops the loop that plugin has just set, which then warns unclosed.)
    loop = asyncio.new_event_loop()
    try:
        assert _loop_name(loop) == expected_loop
    finally:
        loop.close()
