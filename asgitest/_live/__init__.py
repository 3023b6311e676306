"""The live server: the application under a real ASGI server, for tests that need a socket.

For a browser, the ``websockets`` client library, a JavaScript client, HTTP/1.1 keep-alive, or
the check that the app works under the server it is deployed on. Nothing here imports a server,
a framework or pytest at import time: a server is imported when a :class:`LiveServer` is made,
Django when ``ChannelsLiveServerTestCase`` is first asked for, pytest when the fixtures are.

The room, bottom to top (each module imports only from those above it in this list):

- ``_output``: what the server printed or logged, bounded;
- ``_run``: one run of a server (a thread or a child process) and how it is stopped;
- ``_backend``: the base class of a kind of server, and :class:`~._backend.Launch`, the
  settings it is given;
- ``_uvicorn``, ``_hypercorn``, ``_daphne``, ``_granian``: one module per server kind;
- ``_server``: :class:`LiveServer`, the registry of servers, readiness and error messages;
- ``_channels``: ``ChannelsLiveServerTestCase`` (Django), on ``LiveServer``;
- ``_fixtures``: the ``asgi_live_server*`` pytest fixtures, on ``LiveServer``.

It may import from the bottom of asgitest (``_errors``, ``_app``, ``_loader``), never from the
communicators, the plugin or the CLI. Outside this package, only the names below are used:
``asgitest/__init__.py`` takes ``LiveServer`` and ``ChannelsLiveServerTestCase``, the pytest
plugin takes the fixtures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._server import SERVERS, LiveServer, default_server

if TYPE_CHECKING:
    from ._channels import ChannelsLiveServerTestCase
    from ._fixtures import (
        asgi_live_app,
        asgi_live_server,
        asgi_live_server_factory,
        asgi_live_server_session,
    )

__all__ = [
    "SERVERS",
    "ChannelsLiveServerTestCase",
    "LiveServer",
    "asgi_live_app",
    "asgi_live_server",
    "asgi_live_server_factory",
    "asgi_live_server_session",
    "default_server",
]

# Imported on first access (PEP 562): the test case needs Django, the fixtures need pytest.
_LAZY = {
    "ChannelsLiveServerTestCase": "_channels",
    "asgi_live_app": "_fixtures",
    "asgi_live_server": "_fixtures",
    "asgi_live_server_factory": "_fixtures",
    "asgi_live_server_session": "_fixtures",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value
