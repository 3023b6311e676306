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

from ._checker import Checker, make_checker
from ._middleware import SpecCheck
from ._rules import RULES, Rule, parse_rule_ids

__all__ = ["RULES", "Checker", "Rule", "SpecCheck", "make_checker", "parse_rule_ids"]
