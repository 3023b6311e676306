"""The loop a run asked for (``--event-loop``) is the one the suite's asyncio tests get."""

from __future__ import annotations

import asyncio

import pytest

from asgitest import HttpCommunicator
from tests.apps import hello_world


def _loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"


@pytest.mark.asyncio
async def test_pytest_asyncio_runs_on_the_loop_asked_for(expected_loop: str) -> None:
    assert _loop_name(asyncio.get_running_loop()) == expected_loop
    response = await HttpCommunicator(hello_world, "GET", "/").get_response()
    assert response["status"] == 200


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", [("asyncio", {"debug": True})], ids=["asyncio"])
async def test_anyio_runs_on_the_loop_asked_for(anyio_backend: object, expected_loop: str) -> None:
    assert _loop_name(asyncio.get_running_loop()) == expected_loop


def test_asyncio_run_uses_the_loop_asked_for(expected_loop: str) -> None:
    async def main() -> str:
        return _loop_name(asyncio.get_running_loop())

    assert asyncio.run(main()) == expected_loop
