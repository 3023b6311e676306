"""daphne: ``python -m daphne`` only (Twisted's reactor runs once per process)."""

from __future__ import annotations

from typing import ClassVar

from ._backend import Backend, Launch, option_flags

__all__ = ["Daphne"]

_THREAD = """\
LiveServer(server="daphne", mode="thread") is not supported: daphne runs on Twisted, whose \
reactor cannot be restarted in a process, so daphne runs in a subprocess \
(mode="subprocess", the default for daphne). Use server="uvicorn" or "hypercorn" to share \
the test process (in-memory databases, monkeypatches)."""

_LIFESPAN_ON = """\
LiveServer(server="daphne", lifespan="on") cannot work: daphne does not run the ASGI \
lifespan protocol. Use uvicorn or hypercorn, or lifespan="auto"."""


class Daphne(Backend):
    name: ClassVar[str] = "daphne"
    modes: ClassVar[tuple[str, ...]] = ("subprocess",)
    thread_refusal: ClassVar[str] = _THREAD

    def refuse(self, mode: str, lifespan: str) -> str | None:
        if lifespan == "on":
            return _LIFESPAN_ON
        return None

    def command(self, launch: Launch) -> list[str]:
        verbosity = {"debug": "2", "trace": "3"}.get(launch.log_level.lower(), "1")
        return [
            *("-b", launch.host, "-p", str(launch.port), "-v", verbosity),
            *option_flags(launch.options),
            launch.app,
        ]
