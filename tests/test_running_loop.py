"""The engine finds the running event loop without asking asyncio each time (a system call on
Python 3.11): it must still find the right loop, per thread and per ``asyncio.run()``."""

from __future__ import annotations

import asyncio
from typing import Any

from asgitest import HttpCommunicator, LifespanCommunicator


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def one_request() -> tuple[bytes, asyncio.AbstractEventLoop]:
    async with LifespanCommunicator(ok_app):
        response = await HttpCommunicator(ok_app, "GET", "/").get_response()
    return response.body, asyncio.get_running_loop()


def test_each_asyncio_run_gets_its_own_loop() -> None:
    first = asyncio.run(one_request())
    second = asyncio.run(one_request())
    assert first[0] == second[0] == b"ok"
    assert first[1] is not second[1]


def test_a_loop_in_another_thread_while_this_one_runs() -> None:
    async def main() -> tuple[Any, Any, asyncio.AbstractEventLoop]:
        here = await one_request()  # this loop is now the one the engine remembers
        there = await asyncio.to_thread(asyncio.run, one_request())
        return here, there, asyncio.get_running_loop()

    here, there, loop = asyncio.run(main())
    assert here == (b"ok", loop)
    assert there[0] == b"ok"
    assert there[1] is not loop
