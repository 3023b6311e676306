"""The transcript: every message exchanged with the application, in order, with timestamps."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from typing import Any, Final, Literal, NamedTuple

from ._masking import mask_message
from ._types import Message

__all__ = [
    "DEFAULT_MAX_PAYLOAD",
    "DEFAULT_TRANSCRIPT_SIZE",
    "FROM_APP",
    "TO_APP",
    "Direction",
    "Summarized",
    "Transcript",
    "TranscriptEntry",
    "format_message",
]

Direction = Literal["to_app", "from_app"]
TO_APP: Final = "to_app"
FROM_APP: Final = "from_app"
_EVENT: Final = "event"
_monotonic: Final = time.monotonic

DEFAULT_TRANSCRIPT_SIZE: Final = 1000
"""How many messages a transcript keeps by default (the oldest are dropped first)."""

DEFAULT_MAX_PAYLOAD: Final = 16 * 1024
"""Payloads (``body``, ``bytes``, ``text``) longer than this are kept as a :class:`Summarized`."""

_ERROR_LINES: Final = 20
_PAYLOAD_KEYS: Final = ("body", "bytes", "text")
_ARROWS: Final = {TO_APP: "test → app", FROM_APP: "app → test", _EVENT: "          "}


class Summarized:
    """Stands in the transcript for a payload too large to keep: its size and first bytes."""

    __slots__ = ("head", "size")

    def __init__(self, value: bytes | str | bytearray, keep: int = 64) -> None:
        self.size = len(value)
        self.head = value[:keep]

    def __repr__(self) -> str:
        unit = "chars" if isinstance(self.head, str) else "bytes"
        return f"<{self.size} {unit}: {self.head!r}...>"


_MARKED_WINDOW: Final = 20  # transcript lines shown under a failure about one message
_MARKED_BEFORE: Final = 14  # of which before the marked one


class TranscriptEntry(NamedTuple):
    """One message in a transcript.

    Attributes:
        time: seconds since the transcript started.
        direction: ``"to_app"`` (the test or the harness sent it to the app) or ``"from_app"``.
        message: the message itself (the same dict object, not a copy; large payloads are
            replaced by a :class:`Summarized` in a shallow copy).
        index: the position of the message in the whole conversation, from 0, counting
            messages the bounded transcript no longer keeps.
    """

    time: float
    direction: Direction
    message: Message
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    if len(text) > limit:
        if isinstance(value, bytes | str):
            unit = "bytes" if isinstance(value, bytes) else "chars"
            text = f"{value[: limit - 20]!r}... ({len(value)} {unit})"
        else:
            text = text[: limit - 3] + "..."
    return text


def format_message(message: Any) -> str:
    """One readable line for a message: its type in double quotes, then the other keys.

    Credential headers are masked (see :mod:`asgitest._masking`): this is what reports show.
    """
    if not isinstance(message, dict):
        return f"<not a dict: {_short(message)}>"
    message = mask_message(message)
    mtype = message.get("type")
    head = f'"{mtype}"' if isinstance(mtype, str) else f"<type={_short(mtype)}>"
    rest = " ".join(f"{key}={_short(value)}" for key, value in message.items() if key != "type")
    return f"{head} {rest}" if rest else head


class Transcript:
    """Every message exchanged with one application instance, in order, with timestamps.

    Bounded: it keeps the last ``maxlen`` messages (``total`` counts all of them), and payloads
    longer than ``max_payload`` are summarized rather than kept. Printing it (``str()``) gives
    one line per message, plus how the application ended.

    Example:
        ```python
        print(communicator.transcript)
        #   #0 +0.000s test → app  "websocket.connect"
        #   #1 +0.001s app → test  "websocket.accept" subprotocol=None
        ```
    """

    __slots__ = ("_entries", "_start", "max_payload", "maxlen", "outcome", "total")

    def __init__(
        self, maxlen: int | None = DEFAULT_TRANSCRIPT_SIZE, max_payload: int = DEFAULT_MAX_PAYLOAD
    ) -> None:
        # Flat: four slots per entry (time, direction, message, index), so that recording a
        # message allocates nothing that outlives the call (no tuple per entry for the
        # garbage collector to track, in 10,000 idle connections).
        self._entries: deque[Any] = deque(maxlen=None if maxlen is None else 4 * maxlen)
        # The time of the first entry (read from the clock then, not when the transcript is
        # made: one clock read less per connection; in a VM a read costs about 0.4 us).
        self._start: float | None = None
        self.maxlen = maxlen
        self.max_payload = max_payload
        self.total = 0
        self.outcome: str | None = None
        """How the application ended, in words, once it has (``None`` while it runs)."""

    def record(self, direction: str, message: Message) -> None:
        """Add a message (hot path: no copy unless a payload is over ``max_payload``)."""
        if type(message) is dict:
            # {"type": ...} alone (a connect, an accept, a disconnect) has no payload.
            get = message.get if len(message) > 1 else None
        else:  # a non-dict message is kept as is; the spec checker says why
            get = getattr(message, "get", None)
        if get is not None:
            payload = get("body") or get("bytes") or get("text")
            if payload:
                kind = type(payload)
                if (
                    kind is bytes or kind is str or isinstance(payload, bytes | str | bytearray)
                ) and len(payload) > self.max_payload:
                    message = self._summarize(message)
        total = self.total
        now = _monotonic()
        if not total and self._start is None:
            self._start = now
        self._entries.extend((now, direction, message, total))
        self.total = total + 1

    def latest_time(self) -> float:
        """The clock time (``time.monotonic()``) of the newest entry, or now if none is kept."""
        entries = self._entries
        return entries[-4] if entries else _monotonic()

    def _summarize(self, message: Message) -> Message:
        limit = self.max_payload
        for key in _PAYLOAD_KEYS:
            payload = message.get(key)
            if isinstance(payload, bytes | str | bytearray) and len(payload) > limit:
                message = {**message, key: Summarized(payload)}
        return message

    def note(self, text: str) -> None:
        """Add a line about the conversation that is not a message (e.g. a timeout)."""
        now = _monotonic()
        if self._start is None:
            self._start = now
        self._entries.extend((now, _EVENT, text, -1))

    def _rows(self) -> list[tuple[float, str, Any, int]]:
        """The entries kept, oldest first, as (time, direction, message, index)."""
        flat = list(self._entries)
        return list(zip(flat[0::4], flat[1::4], flat[2::4], flat[3::4], strict=True))

    def __iter__(self) -> Iterator[TranscriptEntry]:
        start = self._start or 0.0
        for when, direction, message, index in self._rows():
            if direction != _EVENT:
                yield TranscriptEntry(when - start, direction, message, index)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return sum(1 for entry in self._rows() if entry[1] != _EVENT)

    def __getitem__(self, position: int) -> TranscriptEntry:
        return list(self)[position]

    @property
    def dropped(self) -> int:
        """How many messages the bounded transcript no longer keeps."""
        return self.total - len(self)

    def messages(self, direction: Direction | None = None) -> list[Message]:
        """The messages kept, oldest first; only one direction when ``direction`` is given."""
        return [e.message for e in self if direction is None or e.direction == direction]

    def sent_by_app(self) -> list[Message]:
        """The messages the application sent."""
        return self.messages(FROM_APP)

    def received_by_app(self) -> list[Message]:
        """The messages the test (or the harness, e.g. ``http.disconnect``) sent to the app."""
        return self.messages(TO_APP)

    def render(self, last: int | None = None, mark: int | None = None) -> str:
        """The transcript as text, one line per message.

        Args:
            last: show only the last N lines.
            mark: the ``index`` of a message to point at with ``>>``.
        """
        entries = self._rows()
        skipped = 0
        if last is not None and len(entries) > last:
            skipped = len(entries) - last
            entries = entries[skipped:]
        lines = []
        if self.dropped or skipped:
            lines.append(f"  ... {self.dropped + skipped} earlier lines not shown")
        for when, direction, message, index in entries:
            stamp = f"+{when - (self._start or 0.0):.3f}s"
            if direction == _EVENT:
                lines.append(f"     {'':>4} {stamp} {message}")
                continue
            pointer = ">>" if mark is not None and index == mark else "  "
            lines.append(
                f"  {pointer} #{index:<3} {stamp} {_ARROWS[direction]}  {format_message(message)}"
            )
        if self.outcome is not None:
            lines.append(f"     {'':>4} {'':>8} {self.outcome}")
        if not lines:
            lines.append("  (no messages yet)")
        return "\n".join(lines)

    def render_for_error(self) -> str:
        """The recent part of the transcript, headed, for an exception note."""
        count = self.total
        shown = min(count, _ERROR_LINES)
        title = (
            f"Transcript ({count} message{'s' if count != 1 else ''}):"
            if shown == count
            else f"Transcript (last {shown} of {count} messages):"
        )
        return f"{title}\n{self.render(last=_ERROR_LINES)}"

    def render_marked(self, mark: int | None) -> str:
        """The transcript for a failure note, around the message ``mark`` (pointed at by
        ``>>``); without a mark, :meth:`render_for_error`."""
        if mark is None:
            return self.render_for_error()
        lines = self.render(mark=mark).splitlines()
        count = self.total
        title = f"Transcript ({count} message{'s' if count != 1 else ''}; >> marks #{mark}):"
        position = next((i for i, line in enumerate(lines) if line.startswith("  >>")), None)
        if position is None:
            return f"Transcript ({count} messages; #{mark} is no longer kept):\n" + self.render(
                last=_MARKED_WINDOW
            )
        if len(lines) > _MARKED_WINDOW:
            start = max(0, min(position - _MARKED_BEFORE, len(lines) - _MARKED_WINDOW))
            end = start + _MARKED_WINDOW
            shown = lines[start:end]
            if start:
                shown.insert(0, f"  ... {start} earlier lines not shown")
            if end < len(lines):
                shown.append(f"  ... {len(lines) - end} later lines not shown")
            lines = shown
        return title + "\n" + "\n".join(lines)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        last = next(
            (m for _, d, m, _ in reversed(self._rows()) if d != _EVENT and isinstance(m, dict)),
            None,
        )
        tail = f', last "{last.get("type")}"' if last is not None else ""
        return f"<{type(self).__name__} {self.total} messages{tail}>"
