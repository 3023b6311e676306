"""The lifespan state machine: startup and shutdown, each answered exactly once, in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._errors import ProtocolError as ProtocolErrorType
from ._common import bad_message, capture, describe_value, show, unknown
from ._rules import Reporter

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._config import Strictness
    from .._errors import ProtocolError
    from .._transcript import Transcript
    from .._types import Message, Scope

__all__ = ["LifespanChecker"]

IDLE: Final = 0  # lifespan.startup not delivered yet
STARTING: Final = 1  # startup delivered, not answered
STARTED: Final = 2  # startup.complete sent
STARTUP_FAILED: Final = 3
STOPPING: Final = 4  # shutdown delivered, not answered
STOPPED: Final = 5  # shutdown.complete or .failed sent

_NAMES: Final = {
    IDLE: "before lifespan.startup",
    STARTING: "during startup",
    STARTED: "after startup completed",
    STARTUP_FAILED: "after startup failed",
    STOPPING: "during shutdown",
    STOPPED: "after shutdown finished",
}
_ANSWERS: Final = {
    "lifespan.startup.complete": (STARTING, STARTED, "R95"),
    "lifespan.startup.failed": (STARTING, STARTUP_FAILED, "R95"),
    "lifespan.shutdown.complete": (STOPPING, STOPPED, "R96"),
    "lifespan.shutdown.failed": (STOPPING, STOPPED, "R96"),
}


class LifespanChecker(Reporter):
    """Checks the lifespan conversation: what the server delivers and what the app answers."""

    __slots__ = ("state",)

    def __init__(
        self,
        scope: Scope,
        strict: Strictness,
        transcript: Transcript | None = None,
        on_finding: Callable[[ProtocolError], None] | None = None,
    ) -> None:
        # The checker is its own Reporter (one object per connection, not two).
        super().__init__(scope, strict, transcript, on_finding)
        self.state = IDLE

    def on_input(self, message: Message) -> None:
        __tracebackhide__ = True
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "lifespan.startup":
            if self.state != IDLE:
                self.fail(
                    "R94",
                    f'"lifespan.startup" delivered {_NAMES[self.state]}; a server sends it once, '
                    "first",
                    offending=message,
                    field="type",
                    fix="start the lifespan once",
                )
            self.state = STARTING
        elif kind == "lifespan.shutdown":
            if self.state not in (STARTED, STARTING):
                self.fail(
                    "R96",
                    f'"lifespan.shutdown" delivered {_NAMES[self.state]}; a server sends it once, '
                    "after startup completed",
                    offending=message,
                    field="type",
                    fix="send lifespan.startup and wait for lifespan.startup.complete first",
                )
            self.state = STOPPING
        else:
            self.fail(
                "R12",
                f"no server sends {show(message)} to a lifespan application (it receives "
                '"lifespan.startup" and "lifespan.shutdown")',
                offending=message,
                field="type",
                fix="use the lifespan communicator's startup() and shutdown()",
            )

    def on_disconnect(self) -> None:
        return None

    def on_send(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        try:
            kind = message["type"]
        except (TypeError, KeyError, IndexError):
            bad_message(report, message)
            return
        answer = _ANSWERS.get(kind)
        if answer is None:
            if type(kind) is str and kind.startswith("lifespan."):
                report.fail(
                    "R97",
                    f'unknown lifespan message "{kind}"',
                    offending=message,
                    field="type",
                    fix="send lifespan.startup.complete/.failed or "
                    "lifespan.shutdown.complete/.failed",
                    servers=f'"{kind}": uvicorn (lifespan on) fails the assertion on lifespan '
                    "message types in send() and exits; hypercorn UnexpectedMessageError and "
                    "continues without lifespan",
                )
            else:
                unknown(
                    report,
                    message,
                    kind,
                    "lifespan",
                    "lifespan.* answers",
                    lifespan_started=self.state not in (IDLE, STARTING),
                )
            return
        expected_state, next_state, rule = answer
        if self.state != expected_state:
            phase = "lifespan.startup" if expected_state == STARTING else "lifespan.shutdown"
            if self.state < expected_state:
                why = f'before "{phase}" was received; await receive() first'
            else:
                why = f'after "{phase}" was already answered; answer it exactly once'
            report.fail(
                "R97",
                f'"{kind}" sent {why}',
                offending=message,
                field="type",
                fix="await receive() and answer each lifespan event once",
                servers=f'"{kind}" {_NAMES[self.state]}: uvicorn (lifespan on) AssertionError '
                "'Got invalid state transition on lifespan protocol.' and exits; (auto) 'ASGI "
                "lifespan protocol appears unsupported' and the shutdown is skipped; hypercorn "
                "accepts it",
            )
        if kind.endswith(".failed"):
            text = message.get("message", "")
            if type(text) is not str:
                report.fail(
                    rule,
                    f'"{kind}" message must be a str, got {describe_value(text)}',
                    offending=message,
                    field="message",
                    fix="message=str(error)",
                    servers=f'"{kind}" message {describe_value(text)}: uvicorn logs it as '
                    "given and exits, hypercorn exits with LifespanFailureError: both stop, as "
                    "the app meant, with the message not shown as text",
                )
        if self.state == expected_state:
            self.state = next_state

    def on_exit(self, exc: BaseException | None) -> ProtocolError | None:
        __tracebackhide__ = True
        if isinstance(exc, ProtocolErrorType):
            return None  # our own finding, raised into the app and out again
        if exc is not None:
            if self.state == STARTING:
                exc.add_note(
                    "asgitest (R99): the app raised during startup instead of sending "
                    "lifespan.startup.failed; uvicorn's default lifespan mode reports this as "
                    "'lifespan appears unsupported' and serves anyway."
                )
            return None
        if self.state in (IDLE, STARTING):
            return capture(self, self._returned_unanswered)
        if self.state == STARTED:
            return capture(self, self._returned_early)
        return None

    def _returned_unanswered(self) -> None:
        __tracebackhide__ = True
        self.fail(
            "R17",
            'the app returned on the lifespan scope without answering "lifespan.startup"; an '
            "app that does not support lifespan should raise, so the server knows",
            field="type",
            fix='raise on scope types you do not handle, e.g. `assert scope["type"] == "http"`',
            servers='the app returned without answering "lifespan.startup": uvicorn and '
            "hypercorn take that as a started lifespan, so a real failure to start stays hidden",
        )

    def _returned_early(self) -> None:
        __tracebackhide__ = True
        self.fail(
            "R96",
            'the app returned after "lifespan.startup.complete" without waiting for '
            '"lifespan.shutdown"; its shutdown code will never run',
            field="type",
            fix="await receive() for lifespan.shutdown and answer it",
            severity="pedantic",
            servers='the app returned after "lifespan.startup.complete": uvicorn and hypercorn '
            "keep serving; only the app's shutdown code never runs",
        )
