"""The engine: one running application instance, the two message streams around it, and the
timers and wake-ups of the backend it runs on. It knows no protocol.

What lives here, and what it may import:

- ``_engine.py``: :class:`Engine` (its lifecycle, the test side, the app side) and the states.
- ``_asyncio.py``: asyncio's primitives (the running loop, one lazy timer per loop, futures,
  the app's task and its eager first step on Python 3.12+).
- ``_asyncio311.py``: Python 3.11's inline first step, the only file that leans on asyncio
  internals (delete it, and its two call sites, when 3.11 support ends).
- ``_trio.py``: trio's primitives (events, cancel scopes, the nursery); imported only when an
  app runs under trio.
- ``_hooks.py``: what other rooms attach to the engine (the pytest plugin watches starts; the
  Django guard runs while apps run).

It imports only from below: the exceptions, the transcript, the scopes' ``describe_scope`` and
the protocol layer's types. Nothing here reads a message's meaning: the protocol layer
(``asgitest._protocol``) and the spec checker (``asgitest._spec``) are handed in per
connection. Nothing outside this package touches an engine's private state.
"""

from __future__ import annotations

from ._engine import (
    CANCELLED,
    CRASHED,
    FINISHED,
    NOT_STARTED,
    RUNNING,
    Engine,
    current_backend,
    running_tasks,
)
from ._hooks import guard_while_running, watch_starts

__all__ = [
    "CANCELLED",
    "CRASHED",
    "FINISHED",
    "NOT_STARTED",
    "RUNNING",
    "Engine",
    "current_backend",
    "guard_while_running",
    "running_tasks",
    "watch_starts",
]
