"""An event loop closed while an app still runs: garbage collection afterwards is silent.

Issue 20, point 9. A channels-style test leaves a communicator connected, and the loop is
closed without cancelling its tasks (``loop.close()`` after ``run_until_complete()``, as older
runners do). When the app's coroutine is collected later, Python closes it (``GeneratorExit``)
with no loop running; nothing of asgitest may then print "Exception ignored".
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

_SCRIPT = """
import asyncio, gc
from asgitest import WebsocketCommunicator

async def app(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        await receive()

kept = []

async def main():
    communicator = WebsocketCommunicator(app, "/ws")
    connected, _ = await communicator.connect()
    assert connected
    kept.append(communicator)  # left connected, channels-style

loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.close()  # the app's task is still pending
del loop
kept.clear()
gc.collect()
print("done")
"""


def test_collecting_an_app_after_its_loop_closed_prints_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "Exception ignored" not in result.stderr, result.stderr
