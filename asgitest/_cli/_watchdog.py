"""The watchdog: ends the process when the app blocks the event loop, which no timeout can stop."""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .._transcript import Transcript
    from ._output import Output

__all__ = ["WATCHDOG_GRACE", "Watchdog"]

# An app that blocks the event loop (time.sleep, a sync socket read) defeats every async
# timeout; a watchdog thread notices when the loop has not ticked for this long after the
# timeout and ends the process with what it knows.
WATCHDOG_GRACE: Final = 3.0
_EXIT_FAILED: Final = 1


class Watchdog:
    """Ends the process if the event loop stops ticking (an app blocking it forever)."""

    def __init__(self, output: Output, limit: float) -> None:
        self.output = output
        self.limit = limit
        self.beat = time.monotonic()
        self.transcripts: list[Transcript] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="asgitest-watchdog", daemon=True)

    def start(self) -> None:
        self.beat = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            stalled = time.monotonic() - self.beat
            if stalled > self.limit:
                self._fire(stalled)

    def _fire(self, stalled: float) -> None:
        out = self.output
        out.error(
            f"the event loop has been blocked for {stalled:.1f}s: the app (or something it "
            "calls) runs synchronous code that does not return, e.g. time.sleep() or a blocking "
            "socket read, so no asgitest timeout can fire. Giving up."
        )
        for transcript in self.transcripts:
            out.transcript(transcript)
        out.note("Where each thread is (the main thread runs the app):", "bold")
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(_EXIT_FAILED)

    async def heartbeat(self) -> None:
        import anyio

        while True:
            self.beat = time.monotonic()
            await anyio.sleep(0.1)
