"""hypercorn: in a thread (its asyncio worker, on a socket asgitest binds) or as
``python -m hypercorn``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, ClassVar

from ._backend import Backend, Launch, option_flags

__all__ = ["Hypercorn", "wrap_lifespan"]

_NO_LIFESPAN_SWITCH = """\
LiveServer(server="hypercorn", mode="subprocess", lifespan="{lifespan}") cannot work: \
hypercorn's command line has no lifespan switch (it always tries the protocol and goes on \
without it when the app fails). Use mode="thread", where asgitest enforces the lifespan mode, \
or uvicorn."""


def wrap_lifespan(app: Any, lifespan: str) -> Any:
    """For hypercorn in a thread: "off" refuses the lifespan protocol; "on" turns an app that
    raises on the lifespan scope into lifespan.startup.failed (hypercorn would go on without)."""

    async def lifespan_off(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        await app(scope, receive, send)

    async def lifespan_on(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        started = False

        async def watch(message: Any) -> None:
            nonlocal started
            if message["type"].startswith("lifespan.startup."):
                started = True
            await send(message)

        try:
            await app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            await send(
                {
                    "type": "lifespan.startup.failed",
                    "message": f"the app raised {type(exc).__name__}: {exc} on the lifespan "
                    'scope, and LiveServer(lifespan="on") requires lifespan support',
                }
            )

    return lifespan_off if lifespan == "off" else lifespan_on


class _HypercornThread:
    def __init__(self, launch: Launch) -> None:
        from hypercorn.config import Config
        from hypercorn.utils import wrap_app

        if launch.listener is None:  # binds_first: the server always binds before launching
            raise RuntimeError("hypercorn's thread needs the listening socket bound first")
        self.listener = launch.listener
        self.port: int = launch.listener.getsockname()[1]
        error_logger = logging.getLogger("hypercorn.error")
        error_logger.setLevel(launch.log_level.upper())
        config = Config()
        config.errorlog = error_logger
        config.accesslog = None
        config.graceful_timeout = launch.graceful
        # asgitest's startup_timeout decides, with its own message.
        config.startup_timeout = launch.startup_timeout + 60
        for key, value in launch.options.items():
            setattr(config, key, value)
        self.config = config
        app = launch.app
        served = app if launch.lifespan == "auto" else wrap_lifespan(app, launch.lifespan)
        self.app = wrap_app(served, config.wsgi_max_body_size, "asgi")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None

    async def serve(self) -> None:
        from hypercorn.asyncio.run import worker_serve
        from hypercorn.config import Sockets

        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        # hypercorn listens on the socket only after the lifespan startup.
        await worker_serve(
            self.app,
            self.config,
            sockets=Sockets([], [self.listener], []),
            shutdown_trigger=self.event.wait,
        )

    def request_stop(self) -> None:
        loop, event = self.loop, self.event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(event.set)

    def force_stop(self) -> None:
        pass  # the run cancels the server's main task

    def listening_port(self) -> int | None:
        return self.port


class Hypercorn(Backend):
    name: ClassVar[str] = "hypercorn"
    modes: ClassVar[tuple[str, ...]] = ("thread", "subprocess")
    # The port is known at once (no race for a free one), and a taken port is reported
    # without leaking hypercorn's half-made socket.
    binds_first: ClassVar[bool] = True

    def refuse(self, mode: str, lifespan: str) -> str | None:
        if mode == "subprocess" and lifespan != "auto":
            return _NO_LIFESPAN_SWITCH.format(lifespan=lifespan)
        return None

    def command(self, launch: Launch) -> list[str]:
        host = launch.host
        bind = f"[{host}]:{launch.port}" if ":" in host else f"{host}:{launch.port}"
        return [
            *(launch.app, "--bind", bind, "--workers", "0", "--log-level", launch.log_level),
            *("--error-logfile", "-", "--graceful-timeout", str(max(1, round(launch.graceful)))),
            *option_flags(launch.options),
        ]

    def thread_server(self, launch: Launch) -> _HypercornThread:
        return _HypercornThread(launch)
