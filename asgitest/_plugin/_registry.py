"""The registry of every application instance a test starts: the leak check at the end of
the test, and the transcripts of the failure report."""

from __future__ import annotations

import collections
import dataclasses
import functools
import warnings
import weakref
from typing import TYPE_CHECKING

from .._core import CANCELLED, RUNNING, Engine
from .._errors import LeakedAppWarning
from .._masking import mask_message
from .._scopes import describe_scope
from ._settings import COMPACT_AT, KEEP_RECENT, REPORT_COMMUNICATORS, AsgiConfig

if TYPE_CHECKING:
    from .._communicator import ApplicationCommunicator

__all__ = ["Registry", "Tracked", "plural", "warn_own"]

__tracebackhide__ = True


@dataclasses.dataclass(eq=False)
class Tracked:
    # A fixture's engine is held; one a test built itself only weakly (a running app keeps its
    # engine alive through its task, so a dropped engine is a finished one): a test that makes
    # thousands of communicators does not keep them all in memory until it ends.
    _engine: Engine | weakref.ref[Engine]
    label: str
    fixture: bool
    phase: str = ""
    communicator: ApplicationCommunicator | None = None
    leaked: str = ""

    @property
    def engine(self) -> Engine | None:
        held = self._engine
        return held if isinstance(held, Engine) else held()


class Registry:
    """Every application instance a test started, for the leak check and the report."""

    def __init__(self, settings: AsgiConfig) -> None:
        self.settings = settings
        self.phase = "setup"
        self.transcripts_shown = False
        self.call_failed = False  # the test body failed: leaks are then not reported too
        # Insertion-ordered; an engine a test built itself leaves it when it is collected.
        self._tracked: dict[int, Tracked] = {}
        self._by_engine: weakref.WeakKeyDictionary[Engine, Tracked] = weakref.WeakKeyDictionary()
        # The most recent engines the test built itself, held for the failure report.
        self._recent: collections.deque[Engine] = collections.deque(maxlen=REPORT_COMMUNICATORS)
        self._limit = COMPACT_AT

    def on_start(self, engine: Engine) -> None:
        """The engine start hook: amortized O(1) per communicator."""
        tracked = self._by_engine.get(engine)
        if tracked is None:
            tracked = Tracked(engine, "built by the test", fixture=False)
            tracked._engine = weakref.ref(engine, functools.partial(self._forget, id(tracked)))
            self._recent.append(engine)
            self._append(engine, tracked)
        tracked.phase = self.phase

    def add(self, communicator: ApplicationCommunicator, label: str) -> None:
        """A communicator handed out by a fixture (started or not)."""
        engine = communicator._engine
        tracked = self._by_engine.get(engine)
        if tracked is None:
            self._append(engine, Tracked(engine, label, fixture=True, communicator=communicator))
        else:
            tracked._engine = engine
            tracked.label, tracked.fixture, tracked.communicator = label, True, communicator

    @property
    def tracked(self) -> list[Tracked]:
        """What is tracked, oldest first."""
        return list(self._tracked.values())

    def _forget(self, key: int, ref: object) -> None:
        self._tracked.pop(key, None)

    def _append(self, engine: Engine, tracked: Tracked) -> None:
        self._by_engine[engine] = tracked
        self._tracked[id(tracked)] = tracked
        if len(self._tracked) > self._limit:
            self._compact()

    def _compact(self) -> None:
        # A test that makes thousands of communicators (a benchmark, a load test) must not keep
        # every finished app and transcript alive: keep those that can still leak (running or
        # not started yet) and the most recent ones, for the report.
        tracked = self.tracked
        recent = tracked[-KEEP_RECENT:]
        keep = []
        for item in tracked[:-KEEP_RECENT]:
            engine = item.engine
            if engine is not None and (not item.phase or not engine.done):
                keep.append(item)
        self._tracked = {id(t): t for t in keep + recent if t.engine is not None}
        self._limit = max(COMPACT_AT, 2 * len(self._tracked))

    def leaks(self, phases: tuple[str, ...], fixture_only: bool = False) -> list[Tracked]:
        """Instances started in ``phases`` that are still running, or that something other
        than asgitest cancelled (an event loop closing under them); they are cancelled."""
        found = []
        cancelled: list[Engine] = []
        for tracked in self.tracked:
            engine = tracked.engine
            if engine is None or tracked.leaked or tracked.phase not in phases:
                continue
            if fixture_only and not tracked.fixture:
                continue
            if engine.input_closed is not None and not tracked.fixture:
                # A communicator the test built itself whose connection is over (response
                # complete, client disconnected, socket closed): the app was told so and was
                # only winding down (Django's handler after a channels-style get_response()).
                # Not a leak; a fixture's busy app still is one.
                if engine.state == RUNNING:
                    engine.cancel()
                    cancelled.append(engine)
                continue
            trio_app = engine.backend == "trio"
            if engine.state == RUNNING and engine.loop_closed:
                tracked.leaked = (
                    "still running when its event loop was closed (the app never finished)"
                )
            elif engine.state == RUNNING:
                engine.cancel()
                cancelled.append(engine)
                tracked.leaked = "still running; asgitest cancelled it"
            elif engine.state == CANCELLED and engine.cancelled_from_outside and not trio_app:
                # (Under trio the app runs in the communicator's nursery, inside the test's own
                # cancel scopes: an outside cancellation there is the test's doing, not a leak.)
                tracked.leaked = "still running; the event loop cancelled it as it closed"
            else:
                continue
            found.append(tracked)
        Engine.finish_cancelled(cancelled)  # their finally blocks run before the loop can close
        return found

    def render(self, lines: int, only: list[Tracked] | None = None) -> str:
        """The transcripts, for the report section (the last few communicators)."""
        parts = []
        started = [t for t in (only if only is not None else self.tracked) if t.phase and t.engine]
        if len(started) > REPORT_COMMUNICATORS:
            hidden = len(started) - REPORT_COMMUNICATORS
            parts.append(f"... {hidden} earlier communicator{'s' if hidden != 1 else ''} not shown")
            started = started[-REPORT_COMMUNICATORS:]
        for tracked in started:
            engine = tracked.engine
            if engine is None:
                continue
            transcript = engine.transcript
            state = tracked.leaked or engine.state
            count = transcript.total
            shown = (
                f"{count} message{'s' if count != 1 else ''}"
                if count <= lines
                else f"last {lines} of {count} messages"
            )
            parts.append(
                f"{describe_scope(engine.scope)} ({tracked.label}) [{state}], {shown}:\n"
                f"{transcript.render(last=lines)}"
            )
        return "\n\n".join(parts)


def describe_leaks(leaks: list[Tracked], lines: int, registry: Registry) -> str:
    details = []
    for tracked in leaks:
        full = tracked.engine.scope if tracked.engine is not None else {}
        scope = {k: v for k, v in full.items() if k != "state"}
        details.append(f"{describe_scope(full)} ({tracked.label}): scope {mask_message(scope)!r}")
    return "\n".join(details) + "\n\n" + registry.render(lines, only=leaks)


def plural(template: str, leaks: list[Tracked], registry: Registry) -> str:
    many = len(leaks) != 1
    return template.format(
        count=len(leaks),
        s="s" if many else "",
        was="were" if many else "was",
        details=describe_leaks(leaks, registry.settings.transcript_lines, registry),
    )


def scope_of(tracked: Tracked) -> str:
    engine = tracked.engine
    return describe_scope(engine.scope) if engine is not None else "(a finished app)"


def warn_own(tracked: Tracked) -> None:
    warnings.warn(
        f"asgitest: the app of {scope_of(tracked)}, built by the test "
        f"itself, was {tracked.leaked}. Disconnect it, or use `async with`.",
        LeakedAppWarning,
        stacklevel=2,
    )
