"""uvicorn: in a thread (``uvicorn.Server(config).serve()``) or as ``python -m uvicorn``."""

from __future__ import annotations

from typing import Any, ClassVar

from ._backend import Backend, Launch, option_flags

__all__ = ["Uvicorn"]


class _UvicornThread:
    def __init__(self, launch: Launch) -> None:
        import uvicorn

        options: dict[str, Any] = {
            "host": launch.host,
            "port": launch.port,
            "lifespan": launch.lifespan,
            "log_level": launch.log_level,
            "log_config": None,  # leave the test process's logging configuration alone
            "access_log": False,
            "loop": "asyncio",
            "timeout_graceful_shutdown": launch.graceful,
        }
        options.update(launch.options)
        # uvicorn.Server installs no signal handlers outside the main thread.
        self.server = uvicorn.Server(uvicorn.Config(launch.app, **options))

    async def serve(self) -> None:
        await self.server.serve()

    def request_stop(self) -> None:
        self.server.should_exit = True

    def force_stop(self) -> None:
        self.server.force_exit = True

    def listening_port(self) -> int | None:
        if not self.server.started:
            return None
        port: int = self.server.servers[0].sockets[0].getsockname()[1]
        return port


class Uvicorn(Backend):
    name: ClassVar[str] = "uvicorn"
    modes: ClassVar[tuple[str, ...]] = ("thread", "subprocess")

    def command(self, launch: Launch) -> list[str]:
        graceful = str(max(1, round(launch.graceful)))
        return [
            *(launch.app, "--host", launch.host, "--port", str(launch.port)),
            *("--lifespan", launch.lifespan, "--log-level", launch.log_level, "--no-access-log"),
            *("--timeout-graceful-shutdown", graceful),
            *option_flags(launch.options),
        ]

    def thread_server(self, launch: Launch) -> _UvicornThread:
        return _UvicornThread(launch)
