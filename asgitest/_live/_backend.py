"""What asgitest knows about one kind of server: the base class each server module fills in.

A backend says which modes and lifespan settings its server supports, builds its command line
for subprocess mode, and builds a :class:`~._run.ThreadServer` for thread mode. It gets the
resolved settings as a :class:`Launch`, never the ``LiveServer`` itself.
"""

from __future__ import annotations

import importlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ._run import ThreadServer

__all__ = ["Backend", "Launch", "option_flags"]


@dataclass(frozen=True)
class Launch:
    """What a server is asked to run: the ``LiveServer``'s settings, resolved.

    Attributes:
        app: the app object (thread mode) or its import string (subprocess mode).
        host: the address to bind (``"localhost"`` already turned into ``127.0.0.1``).
        port: the port to bind; ``0`` for a free one (thread mode only).
        lifespan: ``"auto"``, ``"on"`` or ``"off"``.
        log_level: the server's log level, as given to ``LiveServer``.
        graceful: seconds open connections get to finish when the server stops.
        startup_timeout: the seconds asgitest waits for the server to accept connections.
        options: ``server_options``, as given.
        listener: a socket bound for the server (backends with ``binds_first``).
    """

    app: Any
    host: str
    port: int
    lifespan: str
    log_level: str
    graceful: float
    startup_timeout: float
    options: Mapping[str, Any] = field(default_factory=dict)
    listener: socket.socket | None = None


def option_flags(options: Mapping[str, Any]) -> list[str]:
    """``server_options`` as command-line options: ``{"ws_ping_interval": 5}`` gives
    ``--ws-ping-interval 5``, ``True`` a bare flag, ``False`` and ``None`` nothing."""
    flags: list[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value is not False and value is not None:
            flags += [flag, str(value)]
    return flags


class Backend:
    """One kind of server. Subclasses set the class attributes and override what they run."""

    name: ClassVar[str]
    """The server's name, its module (``python -m <name>``) and its extra."""
    modes: ClassVar[tuple[str, ...]]
    """The modes it runs in, the default first."""
    thread_refusal: ClassVar[str] = ""
    """Why thread mode is not supported, for servers whose ``modes`` lack it."""
    binds_first: ClassVar[bool] = False
    """In thread mode, asgitest binds the listening socket and hands it to the server."""
    process_group: ClassVar[bool] = False
    """In subprocess mode the server forks workers: run it in its own process group, which is
    killed as a whole, so that no worker outlives it."""

    def installed(self) -> bool:
        try:
            importlib.import_module(self.name)
        except ImportError:
            return False
        return True

    def refuse(self, mode: str, lifespan: str) -> str | None:
        """Why this combination of mode and lifespan cannot work, or ``None``."""
        return None

    def command(self, launch: Launch) -> list[str]:
        """The arguments after ``python -m <name>`` in subprocess mode."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """Variables set in the child's environment over the test process's own (the ``env``
        option wins over them)."""
        return {}

    def thread_server(self, launch: Launch) -> ThreadServer:
        """The server for thread mode (only for backends with ``"thread"`` in ``modes``)."""
        raise NotImplementedError
