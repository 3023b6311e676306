"""The lifespan around a command, run as uvicorn runs it: a thin layer over LifespanCommunicator.

``--lifespan auto`` (the default) is uvicorn's ``lifespan="auto"``: an app that raises, or
answers ``lifespan.startup`` with a message of another protocol, before its startup completed
does not support lifespan, and the command carries on without it (one note says so). Only
``lifespan.startup.failed`` (or a startup that hangs) stops the command. ``--lifespan on``
requires a lifespan: any of these is a failure. ``--lifespan off`` never sends lifespan
events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .._errors import (
    AsgitestError,
    LifespanFailed,
    LifespanStartupFailed,
    ProtocolError,
    Timeout,
)
from .._lifespan import LifespanCommunicator
from ._output import first_line

if TYPE_CHECKING:
    from .._config import Strictness
    from .._transcript import Transcript

__all__ = ["CliLifespan", "Started"]

Outcome = Literal["complete", "unsupported", "failed", "off"]


@dataclass
class Started:
    """How the lifespan startup went.

    Attributes:
        outcome: ``"complete"``, ``"unsupported"`` (carry on without lifespan), ``"failed"``
            (stop) or ``"off"``.
        detail: why, in words (empty for ``"complete"``).
        error: the app's own exception, when it raised one.
        rule_id: the rule the app broke, when the failure is a spec violation.
    """

    outcome: Outcome
    detail: str = ""
    error: BaseException | None = None
    rule_id: str | None = None


class CliLifespan:
    """One lifespan: :meth:`startup`, the command's work, :meth:`shutdown`, :meth:`aclose`.

    Startup and shutdown raise only :class:`~asgitest.Timeout` (the app did not answer in
    time); every other outcome is returned, for the command to print.
    """

    def __init__(
        self, application: Any, *, mode: str, timeout: float | None, strict: Strictness
    ) -> None:
        self.mode = mode
        self.communicator = LifespanCommunicator(
            application,
            timeout=timeout,
            lifespan="on" if mode == "on" else "auto",
            strict=strict,
        )
        self.entered = False

    @property
    def transcript(self) -> Transcript:
        return self.communicator.transcript

    @property
    def state(self) -> dict[str, Any]:
        return self.communicator.state

    async def startup(self, timeout: float | None) -> Started:
        """Run the startup (``async with`` under the hood: trio needs its nursery)."""
        if self.mode == "off":
            return Started("off")
        communicator = self.communicator
        communicator.timeout = timeout
        try:
            await communicator.__aenter__()
        except Timeout:
            raise
        except ProtocolError as error:
            return Started("failed", _without_rule(error), error, error.rule_id)
        except LifespanStartupFailed as error:
            if communicator.supported is False:  # mode "on": no lifespan support at all
                return Started("failed", str(error), error.__cause__)
            return Started("failed", error.message or "(no message)", error)
        except AsgitestError as error:  # e.g. "lifespan.shutdown.complete" during startup
            return Started("failed", first_line(error))
        except Exception as error:
            if self.mode == "on":
                return Started("failed", f"the app raised {_name(error)}", error)
            # uvicorn's lifespan="auto": an exception before the startup completed means
            # "lifespan appears unsupported", and the server carries on without it.
            return Started("unsupported", f"it raised {_name(error)} during startup", error, None)
        self.entered = True
        if communicator.supported is False:
            return Started("unsupported", f"it {communicator.unsupported_reason}")
        return Started("complete")

    async def shutdown(self, timeout: float | None) -> str | None:
        """Run the shutdown if the startup completed; ``None``, or why it failed."""
        communicator = self.communicator
        if not self.entered or not communicator.started:
            return None
        try:
            await communicator.shutdown(timeout)
        except Timeout:
            raise
        except ProtocolError as error:
            return f"[{error.rule_id}] {_without_rule(error)}"
        except LifespanFailed as error:
            return error.message or "(no message)"
        except Exception as error:
            return f"the app raised {_name(error)}"
        return None

    async def aclose(self) -> None:
        """Stop the app (cancelled if it still runs) and close the nursery; never raises."""
        if not self.entered:
            return
        self.entered = False
        communicator = self.communicator
        communicator.started = False  # shutdown() already ran, or must not run now
        try:
            await communicator.__aexit__(None, None, None)
        except Exception:  # reported by startup()/shutdown() already
            pass


def _name(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _without_rule(error: ProtocolError) -> str:
    text = str(error).strip().splitlines()[0]
    prefix = f"{error.rule_id}: "
    return text[len(prefix) :] if text.startswith(prefix) else text
