"""pytest fixtures for live servers: ``asgi_live_server``, ``asgi_live_server_session``,
``asgi_live_server_factory`` and ``asgi_live_app``.

Registered by asgitest's pytest plugin, which imports them from :mod:`asgitest._live`. All
fixtures are synchronous, so they work under pytest-asyncio, anyio and plain sync tests alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .._errors import UsageError
from ._server import LiveServer

__all__ = [
    "asgi_live_app",
    "asgi_live_server",
    "asgi_live_server_factory",
    "asgi_live_server_session",
]

_NO_SESSION_APP = """\
asgi_live_server_session serves the app named by the session-scoped `asgi_live_app` \
fixture, which by default reads the asgi_app ini option (or --asgi-app), and neither is set. \
Set one, e.g. in pyproject.toml:

    [tool.pytest.ini_options]
    asgi_app = "myproject.asgi:application"

or override the fixture in conftest.py:

    @pytest.fixture(scope="session")
    def asgi_live_app():
        return "myproject.asgi:application"   # or the app object itself"""

_NO_APP = """\
asgi_live_server serves the `asgi_app` fixture, which does not exist here. Define it in \
conftest.py (`@pytest.fixture def asgi_app(): return app`), or enable asgitest's pytest \
plugin and set the asgi_app ini option; or use asgi_live_server_factory(app)."""


def _configured_app(config: pytest.Config) -> str | None:
    value: Any = None
    try:
        value = config.getoption("asgi_app", default=None)
    except ValueError:
        value = None
    if not value:
        try:
            value = config.getini("asgi_app")
        except ValueError:  # the ini option is not registered
            value = None
    return str(value) if value else None


class _Servers:
    """The servers one fixture started, stopped in reverse order at teardown."""

    def __init__(self) -> None:
        self.servers: list[LiveServer] = []

    def start(self, app: Any, **options: Any) -> LiveServer:
        server = LiveServer(app, **options)
        server.start()
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        errors = []
        while self.servers:
            try:
                self.servers.pop().stop()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


@pytest.fixture
def asgi_live_server_factory() -> Iterator[Callable[..., LiveServer]]:
    """Starts live servers: ``asgi_live_server_factory(app, **options)`` returns a running
    :class:`~asgitest.LiveServer` (same options); every one is stopped after the test."""
    servers = _Servers()
    try:
        yield servers.start
    finally:
        servers.stop_all()


@pytest.fixture
def asgi_live_server(
    request: pytest.FixtureRequest, asgi_live_server_factory: Callable[..., LiveServer]
) -> LiveServer:
    """A running :class:`~asgitest.LiveServer` for the ``asgi_app`` fixture, for one test.
    Use ``server.url`` and ``server.ws_url``."""
    __tracebackhide__ = True
    try:
        app = request.getfixturevalue("asgi_app")
    except pytest.FixtureLookupError:
        raise UsageError(_NO_APP) from None
    return asgi_live_server_factory(app)


@pytest.fixture(scope="session")
def asgi_live_app(request: pytest.FixtureRequest) -> Any:
    """The app ``asgi_live_server_session`` serves: the asgitest plugin's ``asgi_app`` setting
    (ini option or ``--asgi-app``; markers do not apply at session scope). Override it (session
    scope) in conftest.py to serve something else."""
    __tracebackhide__ = True
    settings: Any = None
    try:
        settings = request.getfixturevalue("asgi_config")  # asgitest's plugin, when active
    except pytest.FixtureLookupError:
        settings = None
    app = getattr(settings, "app", None)
    if app is None:
        app = _configured_app(request.config)
    if app is None:
        raise UsageError(_NO_SESSION_APP)
    app_dir = getattr(settings, "app_dir", None)
    if isinstance(app, str) and app_dir and app_dir not in sys.path:
        sys.path.insert(0, app_dir)  # as the plugin does before importing asgi_app
    return app


@pytest.fixture(scope="session")
def asgi_live_server_session(asgi_live_app: Any) -> Iterator[LiveServer]:
    """A running :class:`~asgitest.LiveServer` for ``asgi_live_app``, shared by the whole
    session (started on first use, stopped at the end)."""
    with LiveServer(asgi_live_app) as server:
        yield server
