"""What a live server printed or logged: bounded, thread-safe, shown in error messages."""

from __future__ import annotations

import collections
import logging
import threading
from typing import Final

__all__ = ["Output", "ThreadLogHandler"]

_OUTPUT_LINES: Final = 400  # lines of server output kept (oldest dropped)
_SHOWN_LINES: Final = 40  # lines of it shown in an error message


class Output:
    """The server's output, one line per entry, bounded; safe to append from any thread."""

    def __init__(self) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=_OUTPUT_LINES)
        self.dropped = 0
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        with self._lock:
            for line in text.rstrip("\n").splitlines() or [""]:
                if len(self.lines) == self.lines.maxlen:
                    self.dropped += 1
                self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def tail(self, count: int = _SHOWN_LINES) -> str:
        with self._lock:
            lines = list(self.lines)
        if not lines:
            return "(the server printed nothing)"
        shown = lines[-count:]
        skipped = len(lines) - len(shown) + self.dropped
        head = [f"... ({skipped} earlier lines not shown)"] if skipped else []
        return "\n".join("    " + line for line in head + shown)


class ThreadLogHandler(logging.Handler):
    """Collects the log records emitted in the server's thread (server and app logs)."""

    def __init__(self, output: Output) -> None:
        super().__init__(logging.DEBUG)
        self.output = output
        self.ident: int | None = None
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.ident:
            return
        try:
            self.output.add(self.format(record))
        except Exception:  # a handler must never raise into the server
            self.handleError(record)
