"""The engine finds the running event loop without asking asyncio each time (a system call on
Python 3.11): it must still find the right loop, per thread and per ``asyncio.run()``."""

from __future__ import annotations

import asyncio
from typing import Any

from asgitest import HttpCommunicator, LifespanCommunicator

from .. import apps


async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def one_request() -> tuple[bytes, asyncio.AbstractEventLoop]:
    async with LifespanCommunicator(lifespan_app):
        response = await HttpCommunicator(apps.hello_world, "GET", "/").get_response()
    return response.body, asyncio.get_running_loop()


def test_each_asyncio_run_gets_its_own_loop() -> None:
    first = asyncio.run(one_request())
    second = asyncio.run(one_request())
    assert first[0] == second[0] == b"Hello, world"
    assert first[1] is not second[1]


def test_a_loop_in_another_thread_while_this_one_runs() -> None:
    async def main() -> tuple[Any, Any, asyncio.AbstractEventLoop]:
        here = await one_request()  # this loop is now the one the engine remembers
        there = await asyncio.to_thread(asyncio.run, one_request())
        return here, there, asyncio.get_running_loop()

    here, there, loop = asyncio.run(main())
    assert here == (b"Hello, world", loop)
    assert there[0] == b"Hello, world"
    assert there[1] is not loop
