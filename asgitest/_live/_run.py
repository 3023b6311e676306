"""One run of a live server, and how it is stopped: a thread with its own event loop, or a
child process (with its process group, for servers that fork workers).

Kept apart from :class:`~asgitest.LiveServer` so that a weakref finalizer (garbage collection,
interpreter exit) can stop a run without keeping the ``LiveServer`` alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._output import Output, ThreadLogHandler

__all__ = ["Run", "ThreadServer"]


class ThreadServer(Protocol):
    """A server running in a thread of the test process, as a backend builds it."""

    async def serve(self) -> None:
        """Run the server until it is asked to stop (in the server thread's event loop)."""

    def request_stop(self) -> None:
        """Ask the server to stop gracefully; called from another thread."""

    def force_stop(self) -> None:
        """Ask the server to stop at once (its main task is cancelled too); another thread."""

    def listening_port(self) -> int | None:
        """The port it listens on, or ``None`` while it does not listen yet."""


class Run:
    """What must be stopped: a server thread or a child process, and what they hold."""

    def __init__(self, name: str, output: Output, shutdown_timeout: float) -> None:
        self.name = name
        self.output = output
        self.shutdown_timeout = shutdown_timeout
        self.server: ThreadServer | None = None
        self.thread: threading.Thread | None = None
        self.handler: ThreadLogHandler | None = None
        self.failure: BaseException | None = None
        self.finished = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.process_group = False  # the child leads its own process group (kill it whole)
        self.reader: threading.Thread | None = None
        self.sockets: list[socket.socket] = []

    # -- thread mode --------------------------------------------------------------------

    def run_in_thread(self) -> None:
        handler = self.handler
        if handler is not None:
            handler.ident = threading.get_ident()
        try:
            with asyncio.Runner() as runner:
                self.loop = runner.get_loop()
                runner.run(self._serve())
        except BaseException as exc:  # SystemExit from uvicorn, OSError, CancelledError, ...
            self.failure = exc
        finally:
            self.finished.set()

    async def _serve(self) -> None:
        self.task = asyncio.current_task()
        if self.server is not None:
            await self.server.serve()

    def _force_stop(self) -> None:
        if self.server is not None:
            self.server.force_stop()
        loop, task = self.loop, self.task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(task.cancel)

    def _stop_thread(self, thread: threading.Thread, force: bool) -> str | None:
        if not force:
            if self.server is not None:
                self.server.request_stop()
            thread.join(self.shutdown_timeout)
        if thread.is_alive():
            self._force_stop()
            thread.join(max(1.0, self.shutdown_timeout / 2))
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
        for sock in self.sockets:
            sock.close()
        if thread.is_alive():
            return (
                f"{self.name} did not stop within shutdown_timeout={self.shutdown_timeout} s, "
                "even after its main task was cancelled; the app may block its event loop "
                "(a blocking call in async code?). The thread was left running as a daemon."
            )
        return None

    # -- subprocess mode ----------------------------------------------------------------

    def read_output(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.output.add(raw.decode("utf-8", "replace"))

    def _kill_group(self, process: subprocess.Popen[bytes]) -> bool:
        """SIGKILL what is left of the child's process group (its workers); True if any was."""
        if not self.process_group:
            return False
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):  # the group is empty: nothing left
            return False
        # SIGKILL is delivered, not yet acted on: wait (briefly) until the workers are gone,
        # so that the port and the processes are free when stop() returns.
        deadline = time.monotonic() + 2
        while _group_running(process.pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        return True

    def _stop_process(self, process: subprocess.Popen[bytes]) -> str | None:
        message = None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self.shutdown_timeout)
            except subprocess.TimeoutExpired:
                self._kill_group(process)
                process.kill()
                process.wait()
                message = (
                    f"{self.name} (pid {process.pid}) did not exit within "
                    f"shutdown_timeout={self.shutdown_timeout} s of SIGTERM and was killed."
                )
        # A server whose main process exited (or was killed) may leave worker processes
        # behind, orphaned and still holding the port: its process group goes with it.
        if self._kill_group(process) and message is None:
            message = (
                f"{self.name} (pid {process.pid}) exited but left worker processes running; "
                "they were killed."
            )
        if self.reader is not None:
            self.reader.join(2)
        if process.stdout is not None:
            process.stdout.close()
        return message

    def stop(self, force: bool = False) -> str | None:
        """Stop whatever runs; return why it could not be stopped cleanly, or None.

        ``force`` (a server that never became ready) cancels a thread's server at once."""
        crashed = None
        if not force and self.ended():
            crashed = self._crash_report()
        problem = None
        if self.thread is not None:
            problem = self._stop_thread(self.thread, force)
        else:
            for sock in self.sockets:
                sock.close()
            if self.process is not None:
                problem = self._stop_process(self.process)
        return crashed or problem

    def _crash_report(self) -> str:
        return (
            f"{self.name} was no longer running when it was stopped: {self.ended_reason()} "
            "while the test ran. Requests made after that failed to connect."
        )

    def ended_reason(self) -> str:
        if self.process is not None:
            return f"the server process exited with code {self.process.returncode}"
        if isinstance(self.failure, SystemExit):
            return f"the server thread ended with exit code {self.failure.code}"
        if self.failure is not None:
            return f"the server thread raised {type(self.failure).__name__}: {self.failure}"
        return "the server thread ended"

    def ended(self) -> bool:
        if self.process is not None:
            return self.process.poll() is not None
        return self.finished.is_set()


def _group_running(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies, which hold nothing, don't count;
    without /proc, any member that still exists does)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, _parent, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):  # it exited meanwhile
            continue
        if int(group) == pgid and state != "Z":
            return True
    return False
