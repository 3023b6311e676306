"""Message assertions: ``expect()`` on communicators, ``assert_messages()`` after the fact.

Every failure is a :class:`~asgitest.MessageMismatch` whose text shows the pattern, the
message and the first difference, with the transcript (the message concerned marked ``>>``)
attached as a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from ._config import DEFAULT
from ._errors import InvalidArgument, MessageMismatch, UsageError
from ._masking import mask_message
from ._patterns import ANY, JsonText, Mismatch, Pattern, show, show_message
from ._scopes import describe_scope
from ._transcript import FROM_APP, TO_APP, Transcript, TranscriptEntry

if TYPE_CHECKING:
    from ._core import Engine
    from ._types import Message, Scope

__all__ = [
    "ExpectMixin",
    "Mode",
    "WebsocketExpectMixin",
    "assert_messages",
    "assertrepr_compare",
]

Mode = Literal["exact", "in_order", "any_order"]
_MODES: Final = ("exact", "in_order", "any_order")
_DIRECTIONS: Final = (None, FROM_APP, TO_APP)
_ARROW: Final = {FROM_APP: "app → test", TO_APP: "test → app"}


# ---------------------------------------------------------------------- rendering


def _details(pattern: Pattern, message: Any, problem: Mismatch | None, label: str) -> str:
    lines = [f"  pattern: {show(pattern.spec)}"]
    if message is not None:
        lines.append(f"  {label}: {show_message(mask_message(message))}")
    if problem is not None:
        lines.append(f"  {problem}")
    return "\n".join(lines)


def _find_entry(transcript: Transcript, message: Any) -> int | None:
    """The transcript index of a message the app just sent."""
    entries = [e for e in transcript if e.direction == FROM_APP]
    for entry in reversed(entries):
        if entry.message is message:
            return entry.index
    # A message with a large payload is kept as a summarized copy: take the newest.
    return entries[-1].index if entries else None


def _compile(pattern: Any) -> Pattern:
    return pattern if isinstance(pattern, Pattern) else Pattern(pattern)


# ---------------------------------------------------------------------- communicator mixins


class ExpectMixin:
    """``expect()`` and ``expect_sequence()`` for every communicator."""

    if TYPE_CHECKING:
        _engine: Engine
        _awaiting: str | None
        transcript: Transcript
        scope: Scope

        async def receive_output(self, timeout: Any = ...) -> Message: ...

        async def send_input(self, message: Message) -> None: ...

    async def _receive_for(self, pattern: Pattern, timeout: Any) -> Message:
        """The next message, with ``pattern`` named in a Timeout while it is pending."""
        __tracebackhide__ = True
        await self._send_pending_request()
        outer = self._awaiting
        self._awaiting = pattern.describe()
        try:
            if timeout is DEFAULT:
                message = await self.receive_output()
            else:
                message = await self.receive_output(timeout)
        finally:
            self._awaiting = outer
        if message.get("type") == "websocket.close":
            record_close = getattr(self, "_record_close", None)
            if record_close is not None:
                record_close(message)
        return message

    async def _send_pending_request(self) -> None:
        # An HttpCommunicator whose request was never sent: send it, as get_response() does,
        # so `await communicator.expect("http.response.start")` works on its own.
        if (
            self.scope.get("type") == "http"
            and getattr(self, "sent_request", True) is False
            and self.transcript.total == 0
        ):
            self.sent_request = True
            await self.send_input({"type": "http.request", "body": getattr(self, "body", b"")})

    def _mismatch_error(
        self, pattern: Pattern, message: Message, problem: Mismatch, which: str
    ) -> MessageMismatch:
        index = _find_entry(self.transcript, message)
        number = f"#{index} " if index is not None else ""
        where = describe_scope(self.scope)
        text = f"Message {number}from the app ({where}) does not match {which}.\n" + _details(
            pattern, message, problem, "message"
        )
        return MessageMismatch(
            text,
            pattern=pattern,
            message=message,
            mismatch=problem,
            index=index,
            transcript=self.transcript,
            scope=self.scope,
        )

    async def expect(self, pattern: Any, timeout: Any = DEFAULT) -> Message:
        """Receive the next message the application sent and assert that it matches ``pattern``.

        Args:
            pattern: a pattern: a message type (``"http.response.start"``), a ``dict`` of
                the keys to match, a :class:`~asgitest.Pattern`... (see "Asserting messages").
            timeout: seconds to wait (default: the communicator's ``timeout``).

        Returns:
            The message, as the app sent it.

        Raises:
            MessageMismatch: the message does not match (an ``AssertionError``).
            Timeout: nothing arrived in time; its text names the pattern pending.
            Exception: the app's own exception, as soon as it is raised.

        Example:
            ```python
            await communicator.expect({"type": "http.response.start", "status": 200})
            ```
        """
        __tracebackhide__ = True
        compiled = _compile(pattern)
        message = await self._receive_for(compiled, timeout)
        problem = compiled.mismatch(message)
        if problem is not None:
            raise self._mismatch_error(compiled, message, problem, "the pattern")
        return message

    async def expect_sequence(
        self, patterns: Sequence[Any], timeout: Any = DEFAULT
    ) -> list[Message]:
        """Receive one message per pattern, in order, asserting that each matches its pattern.

        The timeout applies to each message. Returns the messages received.

        Raises:
            MessageMismatch: a message does not match its pattern; the error names which.
            Timeout: a message did not arrive in time; its text names the pattern pending.
        """
        __tracebackhide__ = True
        compiled = [_compile(p) for p in _pattern_list(patterns, "expect_sequence")]
        received: list[Message] = []
        total = len(compiled)
        for position, pattern in enumerate(compiled):
            message = await self._receive_for(pattern, timeout)
            problem = pattern.mismatch(message)
            if problem is not None:
                raise self._mismatch_error(
                    pattern, message, problem, f"patterns[{position}] ({position + 1} of {total})"
                )
            received.append(message)
        return received


class WebsocketExpectMixin(ExpectMixin):
    """The WebSocket conveniences: ``expect_text()``, ``expect_bytes()``, ``expect_json()``,
    ``expect_close()``."""

    async def expect_text(self, text: Any = ANY, timeout: Any = DEFAULT) -> str:
        """Receive a text frame and assert its text matches ``text`` (any text by default).

        ``text`` is a ``str`` or any pattern (a compiled regex, a predicate...). Returns the text.
        """
        __tracebackhide__ = True
        message = await self.expect(
            {"type": "websocket.send", "text": str if text is ANY else text}, timeout
        )
        return message["text"]  # type: ignore[no-any-return]

    async def expect_bytes(self, data: Any = ANY, timeout: Any = DEFAULT) -> bytes:
        """Receive a binary frame and assert its payload matches ``data`` (any by default).

        Returns the payload.
        """
        __tracebackhide__ = True
        message = await self.expect(
            {"type": "websocket.send", "bytes": bytes if data is ANY else data}, timeout
        )
        return message["bytes"]  # type: ignore[no-any-return]

    async def expect_json(self, pattern: Any = ANY, timeout: Any = DEFAULT) -> Any:
        """Receive a text frame holding JSON and assert the parsed value matches ``pattern``.

        A ``dict`` pattern is a subset match, so ``expect_json({"event": "joined"})`` ignores
        the other keys. Returns the parsed value.
        """
        __tracebackhide__ = True
        import json

        message = await self.expect({"type": "websocket.send", "text": JsonText(pattern)}, timeout)
        return json.loads(message["text"])

    async def expect_close(
        self, code: Any = ANY, reason: Any = ANY, timeout: Any = DEFAULT
    ) -> Message:
        """Receive ``websocket.close`` and assert its ``code`` and ``reason`` (any by default).

        A close without a code has code 1000 and without a reason ``""``, as the spec says.
        Returns the message; ``close_code`` and ``close_reason`` are set from it.
        """
        __tracebackhide__ = True
        spec: dict[str, Any] = {"type": "websocket.close"}
        if code is not ANY:
            spec["code"] = code
        if reason is not ANY:
            spec["reason"] = reason
        return await self.expect(spec, timeout)


# ---------------------------------------------------------------------- after the fact


def _pattern_list(patterns: Any, caller: str) -> list[Any]:
    if isinstance(patterns, str | Mapping | Pattern):
        raise InvalidArgument(
            f"{caller}() takes a list of patterns, got a single pattern {show(patterns)}. "
            f"Wrap it in a list: {caller}(..., [{show(patterns)}])."
        )
    return list(patterns)


def _entries(source: Any) -> tuple[list[TranscriptEntry], Transcript | None]:
    transcript = getattr(source, "transcript", source)
    if isinstance(transcript, Transcript):
        return list(transcript), transcript
    if isinstance(source, Iterable) and not isinstance(source, str | bytes | Mapping):
        messages = list(source)
        return [TranscriptEntry(0.0, FROM_APP, m, i) for i, m in enumerate(messages)], None
    raise InvalidArgument(
        "assert_messages() takes a Transcript (communicator.transcript), a communicator or a "
        f"list of messages, got {show(source)}."
    )


def _label(entry: TranscriptEntry, known_direction: bool) -> str:
    return f"#{entry.index} ({_ARROW[entry.direction]})" if known_direction else f"#{entry.index}"


def _closest(pattern: Pattern, candidates: list[TranscriptEntry]) -> TranscriptEntry | None:
    """The message a reader most likely meant: the first of the pattern's type, else the first."""
    if not candidates:
        return None
    spec = pattern.spec
    wanted = spec.get("type") if isinstance(spec, Mapping) else None
    if wanted is not None:
        for entry in candidates:
            if isinstance(entry.message, Mapping) and Pattern({"type": wanted}).matches(
                entry.message
            ):
                return entry
    return candidates[0]


def _match_any_order(
    patterns: list[Pattern], entries: list[TranscriptEntry]
) -> tuple[dict[int, int], list[int]]:
    """A maximum matching of patterns to distinct messages (Kuhn's augmenting paths)."""
    fits = [[j for j, e in enumerate(entries) if p.matches(e.message)] for p in patterns]
    owner: dict[int, int] = {}  # message position -> pattern position

    def assign(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or assign(owner[j], seen):
                owner[j] = i
                return True
        return False

    unmatched = [i for i in range(len(patterns)) if not assign(i, set())]
    return {i: j for j, i in owner.items()}, unmatched


def assert_messages(
    transcript: Any,
    patterns: Sequence[Any],
    *,
    direction: Literal["from_app", "to_app"] | None = None,
    mode: Mode = "exact",
) -> list[Message]:
    """Assert that the messages of a conversation match ``patterns``.

    Args:
        transcript: a communicator's :class:`~asgitest.Transcript` (or the communicator, or a
            plain list of messages).
        patterns: one pattern per message (see "Asserting messages").
        direction: ``None`` (both directions, the default), ``"from_app"`` (what the app sent)
            or ``"to_app"`` (what the app received).
        mode: ``"exact"`` (default): the messages, in order, each matched by its pattern and
            none left over; ``"in_order"``: the patterns match messages in this order, other
            messages in between are allowed; ``"any_order"``: each pattern matches its own
            message, in any order, other messages allowed.

    Returns:
        The messages matched, in the order of ``patterns``.

    Raises:
        MessageMismatch: the messages do not match; the text shows the pattern, the closest
            message and the first difference, and the note the transcript with it marked.

    Example:
        ```python
        assert_messages(communicator.transcript, [
            "websocket.connect",
            "websocket.accept",
            {"type": "websocket.receive", "text": "hello"},
            {"type": "websocket.send", "text": "echo: hello"},
        ])
        ```
    """
    __tracebackhide__ = True
    if mode not in _MODES:
        raise InvalidArgument(
            f"assert_messages() got mode={mode!r}; valid modes: "
            + ", ".join(repr(m) for m in _MODES)
            + "."
        )
    if direction not in _DIRECTIONS:
        raise InvalidArgument(
            f"assert_messages() got direction={direction!r}; valid directions: None (both), "
            "'from_app' (what the app sent), 'to_app' (what the app received)."
        )
    compiled = [_compile(p) for p in _pattern_list(patterns, "assert_messages")]
    entries, kept = _entries(transcript)
    if direction is not None:
        if kept is None:
            raise UsageError(
                "assert_messages(direction=...) needs a Transcript: a plain list of messages "
                "does not say who sent each one."
            )
        entries = [e for e in entries if e.direction == direction]
    known = kept is not None
    scope_words = {None: "", FROM_APP: " from the app", TO_APP: " to the app"}[direction]
    option = f'mode="{mode}"' + (f', direction="{direction}"' if direction else "")

    def fail(
        head: str,
        pattern: Pattern,
        entry: TranscriptEntry | None,
        problem: Mismatch | None,
        label: str = "message",
    ) -> MessageMismatch:
        message = entry.message if entry is not None else None
        if entry is not None:
            label = f"{label} {_label(entry, known)}"
        return MessageMismatch(
            f"{head}\n" + _details(pattern, message, problem, label),
            pattern=pattern,
            message=message,
            mismatch=problem,
            index=entry.index if entry is not None else None,
            transcript=kept,
        )

    if mode == "exact":
        for position, (pattern, entry) in enumerate(zip(compiled, entries, strict=False)):
            problem = pattern.mismatch(entry.message)
            if problem is not None:
                raise fail(
                    f"Message {_label(entry, known)} does not match patterns[{position}] "
                    f"({option}).",
                    pattern,
                    entry,
                    problem,
                )
        if len(entries) < len(compiled):
            missing = len(entries)
            raise fail(
                f"Expected {len(compiled)} messages{scope_words}, but there "
                f"{'is' if len(entries) == 1 else 'are'} {len(entries)}: patterns[{missing}] "
                f"and later ones have none to match ({option}).",
                compiled[missing],
                None,
                None,
            )
        if len(entries) > len(compiled):
            extra = entries[len(compiled)]
            message = extra.message
            raise MessageMismatch(
                f"Expected {len(compiled)} messages{scope_words}, but there are {len(entries)}: "
                f"{_label(extra, known)} and later ones are left over ({option}).\n"
                f"  message {_label(extra, known)}: {show_message(mask_message(message))}",
                message=message,
                index=extra.index,
                transcript=kept,
            )
        return [e.message for e in entries]

    if mode == "in_order":
        matched: list[Message] = []
        cursor = 0
        previous: TranscriptEntry | None = None
        for position, pattern in enumerate(compiled):
            for offset, entry in enumerate(entries[cursor:]):
                if pattern.matches(entry.message):
                    matched.append(entry.message)
                    previous = entry
                    cursor += offset + 1
                    break
            else:
                after = f" after {_label(previous, known)}" if previous is not None else ""
                closest = _closest(pattern, entries[cursor:])
                problem = pattern.mismatch(closest.message) if closest is not None else None
                none_left = "" if closest is not None else " (there are none)"
                earlier = next((e for e in entries[:cursor] if pattern.matches(e.message)), None)
                hint = (
                    f" It matches the earlier message {_label(earlier, known)}: are the "
                    "patterns out of order?"
                    if earlier is not None
                    else ""
                )
                raise fail(
                    f"No message{scope_words}{after} matches patterns[{position}]{none_left} "
                    f"({option}).{hint}",
                    pattern,
                    closest,
                    problem,
                    "closest",
                )
        return matched

    assignment, unmatched = _match_any_order(compiled, entries)
    if unmatched:
        position = unmatched[0]
        pattern = compiled[position]
        taken = [entries[j] for j in assignment.values() if pattern.matches(entries[j].message)]
        if taken:
            labels = ", ".join(_label(e, known) for e in taken)
            head = (
                f"patterns[{position}] matches only {labels}, which "
                f"{'other patterns' if len(taken) > 1 else 'another pattern'} already matched "
                f"({option})."
            )
            raise fail(head, pattern, None, None)
        closest = _closest(pattern, entries)
        problem = pattern.mismatch(closest.message) if closest is not None else None
        raise fail(
            f"No message{scope_words} matches patterns[{position}] "
            f"({len(compiled) - len(unmatched)} of {len(compiled)} patterns matched; {option}).",
            pattern,
            closest,
            problem,
            "closest",
        )
    return [entries[assignment[i]].message for i in range(len(compiled))]


# ---------------------------------------------------------------------- pytest


def assertrepr_compare(op: str, left: Any, right: Any) -> list[str] | None:
    """The explanation for a failed ``value == Pattern(...)``, for ``pytest_assertrepr_compare``.

    Returns ``None`` for comparisons that do not involve exactly one :class:`Pattern`.
    """
    if op != "==":
        return None
    if isinstance(right, Pattern) and not isinstance(left, Pattern):
        pattern, value = right, left
    elif isinstance(left, Pattern) and not isinstance(right, Pattern):
        pattern, value = left, right
    else:
        return None
    problem = pattern.mismatch(value)
    if problem is None:
        return None
    summary = (
        f"{show_message(left)} == {pattern!r}"
        if pattern is right
        else f"{pattern!r} == {show_message(right)}"
    )
    return [
        summary,
        str(problem),
        f"pattern: {show(pattern.spec)}",
        f"message: {show_message(value)}",
    ]
