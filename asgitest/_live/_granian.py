"""granian: ``python -m granian --interface asgi`` only, in its own process group.

Checked with granian 2.8 (Python 3.11): ``--interface asgi`` runs the lifespan protocol and
goes on without it when the app raises on the lifespan scope ("ASGI Lifespan errored,
continuing without Lifespan support"), ``--interface asginl`` never runs it, and an app that
sends ``lifespan.startup.failed`` makes the server exit with code 1. The main process binds
the port and spawns a worker process that listens on it once the lifespan startup is done, so
"the port accepts connections" means ready here too. The worker outlives a main process that
is killed, so the server runs in a process group of its own, killed as a whole.
"""

from __future__ import annotations

from typing import ClassVar

from ._backend import Backend, Launch, option_flags

__all__ = ["Granian"]

_THREAD = """\
LiveServer(server="granian", mode="thread") is not supported: granian serves from Rust \
threads and worker processes, and its in-process (embedded) server is marked experimental by \
granian itself, so asgitest runs granian in a subprocess (mode="subprocess", the default for \
granian). Use server="uvicorn" or "hypercorn" to share the test process (in-memory \
databases, monkeypatches)."""

_LIFESPAN_ON = """\
LiveServer(server="granian", lifespan="on") cannot work: granian's command line has no \
switch that makes an app without lifespan support an error (--interface asgi goes on \
without the protocol when the app raises on the lifespan scope). Use lifespan="auto" \
(--interface asgi) or "off" (--interface asginl), or uvicorn or hypercorn for "on"."""

# granian's log levels; uvicorn's "trace" is the nearest to its "debug".
_LOG_LEVELS: dict[str, str] = {"trace": "debug"}


class Granian(Backend):
    name: ClassVar[str] = "granian"
    modes: ClassVar[tuple[str, ...]] = ("subprocess",)
    thread_refusal: ClassVar[str] = _THREAD
    process_group: ClassVar[bool] = True

    def refuse(self, mode: str, lifespan: str) -> str | None:
        if lifespan == "on":
            return _LIFESPAN_ON
        return None

    def command(self, launch: Launch) -> list[str]:
        level = launch.log_level.lower()
        return [
            *("--interface", "asginl" if launch.lifespan == "off" else "asgi"),
            *("--host", launch.host, "--port", str(launch.port)),
            *("--workers", "1", "--log-level", _LOG_LEVELS.get(level, level)),
            # A worker that does not stop within this is killed by granian itself.
            *("--workers-kill-timeout", str(max(1, round(launch.graceful)))),
            *option_flags(launch.options),
            launch.app,
        ]

    def environment(self) -> dict[str, str]:
        # With RUST_BACKTRACE set, granian prints a 200-line Rust backtrace under each Python
        # error (a port in use), which pushes the error out of the output asgitest shows.
        # LiveServer(env={"RUST_BACKTRACE": "1"}) brings it back.
        return {"RUST_BACKTRACE": "0"}
