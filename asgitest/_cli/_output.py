"""Terminal output: colours, stdout for what the app sent, stderr for asgitest's own lines.

Every ``render_*`` / ``show_*`` function here is total: it accepts any value an app may put
in a message (a ``str`` body, headers that are a dict, a status of ``None``...) and prints
something readable. A malformed message is the app's problem, reported by the spec checker
with its rule id; it must never become an exception in the command itself.
"""

from __future__ import annotations

import os
import sys
import traceback
from http import HTTPStatus
from typing import IO, Any, Final

from .._errors import LeakedAppWarning, ProtocolWarning
from .._transcript import Transcript

__all__ = [
    "Output",
    "Style",
    "body_bytes",
    "describe_status",
    "first_line",
    "header_lines",
    "short_repr",
    "text_of",
    "truthy",
]


class Style:
    """ANSI colours, only when the stream is a terminal and ``NO_COLOR`` is unset."""

    _CODES: Final = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
        "magenta": "35",
        "cyan": "36",
    }

    def __init__(self, stream: IO[str], mode: str = "auto") -> None:
        if mode == "always":
            self.enabled = True
        elif mode == "never":
            self.enabled = False
        else:
            self.enabled = (
                hasattr(stream, "isatty")
                and stream.isatty()
                and not os.environ.get("NO_COLOR")
                and os.environ.get("TERM") != "dumb"
            )

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(self._CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"


class Output:
    """stdout for what the app sent (a response, frames, a report); stderr for the rest."""

    def __init__(self, color: str, pedantic: bool = False) -> None:
        self.out = sys.stdout
        self.err = sys.stderr
        self.style = Style(self.out, color)
        self.err_style = Style(self.err, color)
        self.pedantic = pedantic
        self._last_char = "\n"

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()
        self._last_char = "\n"

    def note(self, text: str, *styles: str) -> None:
        """A line on stderr (diagnostics, so that stdout stays the response)."""
        self.err.write(self.err_style(text, *styles) + "\n")
        self.err.flush()

    def error(self, text: str) -> None:
        self.note(f"asgitest: error: {text}", "red")

    def transcript(self, transcript: Transcript, title: str = "Transcript") -> None:
        self.note(f"{title} ({transcript.total} messages):", "bold")
        self.note(transcript.render())

    def traceback(self, error: BaseException) -> None:
        traceback.print_exception(error, file=self.err)

    def body(self, chunk: bytes) -> None:
        """Write a body chunk as it is, like curl (binary data only when not a terminal)."""
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            if self.out.isatty():
                self.line(f"[{len(chunk)} bytes of binary data]")
            else:
                self.out.flush()
                self.out.buffer.write(chunk)
                self.out.buffer.flush()
                self._last_char = chr(chunk[-1]) if chunk else self._last_char
            return
        self.out.write(text)
        self.out.flush()
        if text:
            self._last_char = text[-1]

    def end_line(self) -> None:
        """Like curl, the body is printed as it is; end it with a newline if it has none, so
        the shell prompt starts on its own line."""
        if self._last_char != "\n":
            self.out.write("\n")
            self.out.flush()
            self._last_char = "\n"

    def warning(self, warning: Warning, category: type[Warning]) -> None:
        """Print a warning at once, so that a spec finding stands next to what caused it.

        Pedantic spec findings are printed only with ``--pedantic`` (or ``--strict
        pedantic``): every framework has some, and servers accept them.
        """
        if isinstance(warning, ProtocolWarning):
            if warning.severity == "pedantic" and not self.pedantic:
                return
            rule = f"[{warning.rule_id}] " if warning.rule_id else ""
            text = str(warning)
            if warning.rule_id and text.startswith(f"{warning.rule_id}: "):
                text = text[len(warning.rule_id) + 2 :]
            self.note(f"asgitest: spec warning {rule}{text}", "yellow")
        elif isinstance(warning, LeakedAppWarning):
            self.note(f"asgitest: {warning}", "yellow")
        else:
            self.note(f"{category.__name__}: {warning}", "yellow")


def describe_status(status: Any) -> str:
    """``200 OK`` for a known status code, the code alone for another int, else its repr."""
    if type(status) is not int:
        return f"{short_repr(status)} (not an int)"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def text_of(value: Any) -> str:
    """A header name or value for display: bytes as latin-1 text, anything else as its repr."""
    if type(value) is bytes:
        return value.decode("latin-1")
    return short_repr(value)


def header_lines(headers: Any) -> list[tuple[str, str]]:
    """``(name, value)`` texts for whatever an app put in ``headers``.

    A list of pairs gives one line per pair; a pair that is not a pair, or headers that are
    not a list of pairs at all (a dict, a str, ``None`` is simply no header), give one line
    saying what was there.
    """
    if headers is None:
        return []
    if isinstance(headers, dict | str | bytes) or not _iterable(headers):
        return [("(headers)", f"{short_repr(headers)} (not a list of [name, value] pairs)")]
    lines = []
    try:
        items = list(headers)
    except Exception:  # an iterable that fails while iterating: show it, do not crash
        return [("(headers)", f"{short_repr(headers)} (could not be iterated)")]
    for item in items:
        if isinstance(item, list | tuple) and len(item) == 2:
            lines.append((text_of(item[0]), text_of(item[1])))
        else:
            lines.append(("(header)", f"{short_repr(item)} (not a [name, value] pair)"))
    return lines


def body_bytes(value: Any) -> tuple[bytes, str | None]:
    """The bytes to print for a ``body`` value, and a note when it was not bytes.

    A ``str`` is printed as the text the app meant (encoded as UTF-8); bytearray and
    memoryview as their bytes; ``None`` or a missing body as nothing; anything else is not
    printed, only named.
    """
    if type(value) is bytes:
        return value, None
    if value is None:
        return b"", None
    if isinstance(value, str):
        return value.encode("utf-8", "replace"), None
    if isinstance(value, bytearray | memoryview):
        return bytes(value), None
    return b"", f"a body of {short_repr(value)} was not printed: a body is bytes"


def truthy(value: Any) -> bool:
    """``bool(value)`` as a server reads a flag such as ``more_body`` (``True`` if that raises)."""
    try:
        return bool(value)
    except Exception:
        return True


def short_repr(value: Any, limit: int = 100) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a repr that raises is the app's object, not our bug
        text = f"<{type(value).__name__} whose repr() raised {type(error).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True
