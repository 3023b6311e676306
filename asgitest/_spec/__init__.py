"""The ASGI spec checker (one rule per entry of the rules checklist).

The engine talks to a checker through four calls; a checker is made per connection by
:func:`make_checker`, which returns ``None`` when strictness is ``"off"`` so that an unchecked
connection pays nothing.

- ``Checker.on_input(message)``: a message the test (or the harness) is about to deliver to the
  app; raises :class:`~asgitest.ProtocolError` if no server would ever send it.
- ``Checker.on_send(message)``: a message the app sent; raises ``ProtocolError`` for a broken
  rule (or warns, per strictness). Hot path: keep it cheap.
- ``Checker.on_disconnect()``: the client went away; later sends are not violations.
- ``Checker.on_exit(exc)``: the app ended (``exc`` is its exception or ``None``); returns a
  ``ProtocolError`` to report (e.g. "returned without starting the response") or ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .._config import Strictness
    from .._errors import ProtocolError
    from .._transcript import Transcript
    from .._types import Message, Scope

__all__ = ["Checker", "make_checker"]


class Checker(Protocol):
    """What the engine expects of a checker."""

    def on_input(self, message: Message) -> None: ...

    def on_send(self, message: Message) -> None: ...

    def on_disconnect(self) -> None: ...

    def on_exit(self, exc: BaseException | None) -> ProtocolError | None: ...


def make_checker(scope: Scope, strict: Strictness, transcript: Transcript) -> Checker | None:
    """A checker for one connection, or ``None`` when strictness is ``"off"``.

    Validates the scope itself at once (raising ``ProtocolError`` for a broken rule).
    """
    return None
