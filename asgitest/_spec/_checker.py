"""Making the checker of one connection (:func:`make_checker`), and what the engine expects of
it (:class:`Checker`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Protocol

from ._http import HttpChecker
from ._lifespan import LifespanChecker
from ._rules import Reporter
from ._scope import validate_built_scope, validate_scope
from ._websocket import WebsocketChecker

if TYPE_CHECKING:
    from .._config import Strictness
    from .._errors import ProtocolError
    from .._transcript import Transcript
    from .._types import Message, Scope

__all__ = ["Checker", "make_checker"]

__tracebackhide__ = True


class Checker(Protocol):
    """What the engine expects of a checker."""

    def on_input(self, message: Message) -> None: ...

    def on_send(self, message: Message) -> None: ...

    def on_disconnect(self) -> None: ...

    def on_exit(self, exc: BaseException | None) -> ProtocolError | None: ...


_CHECKERS: dict[str, type[HttpChecker] | type[WebsocketChecker] | type[LifespanChecker]] = {
    "http": HttpChecker,
    "websocket": WebsocketChecker,
    "lifespan": LifespanChecker,
}


def make_checker(
    scope: Scope,
    strict: Strictness,
    transcript: Transcript | None,
    *,
    on_finding: Callable[[ProtocolError], None] | None = None,
    scope_key: Hashable | None = None,
    ignore_rules: frozenset[str] = frozenset(),
) -> Checker | None:
    """A checker for one connection, or ``None`` when strictness is ``"off"``.

    Validates the scope itself at once (raising ``ProtocolError`` for a broken rule). Scopes of
    protocols the spec does not define get the core checks only, and no checker.

    Args:
        scope: the connection scope.
        strict: ``"error"``, ``"pedantic"``, ``"warn"`` or ``"off"``.
        transcript: the connection's transcript, attached to every ``ProtocolError``.
        on_finding: if given, receives each ``ProtocolError`` instead of it being raised
            (``SpecCheck(on_violation="log")``).
        scope_key: for a scope made by asgitest's own builders: the key of the inputs it was
            built from (all but its headers and subprotocols). The verdict on everything else
            is then cached per key; headers and subprotocols are checked every time.
        ignore_rules: rule ids whose findings are waived: noted in the transcript only.
    """
    __tracebackhide__ = True
    if strict == "off":
        return None
    if scope_key is not None:
        # A checker is its own Reporter.
        checker = _CHECKERS[scope["type"]](scope, strict, transcript, on_finding)
        if ignore_rules:
            checker.ignore = ignore_rules
        validate_built_scope(scope, checker, scope_key)
        return checker
    kind = scope.get("type") if isinstance(scope, dict) else None
    factory = _CHECKERS.get(kind) if isinstance(kind, str) else None
    if factory is None:
        reporter = Reporter(scope, strict, transcript, on_finding)
        reporter.ignore = ignore_rules
        validate_scope(scope, reporter)
        return None
    checker = factory(scope, strict, transcript, on_finding)
    if ignore_rules:
        checker.ignore = ignore_rules
    validate_scope(scope, checker)
    return checker
