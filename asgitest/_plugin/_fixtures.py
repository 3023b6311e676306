"""The ``asgi_*`` fixtures: synchronous, handing out objects the test enters with ``async
with`` (or awaits, on asyncio), so that they serve every async runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from .._testapp import TestApp
from ._registry import Registry
from ._settings import CONFIG_KEY, AsgiConfig, load_app, settings_of

if TYPE_CHECKING:
    from .._http import HttpCommunicator
    from .._lifespan import LifespanCommunicator
    from .._websocket import WebsocketCommunicator

__all__ = [
    "asgi_app",
    "asgi_config",
    "asgi_http_factory",
    "asgi_lifespan_communicator",
    "asgi_test_app",
    "asgi_websocket_factory",
]

__tracebackhide__ = True


class _FixtureTestApp(TestApp):
    """The ``asgi_test_app`` object: a TestApp whose communicators are tracked."""

    __test__ = False

    def __init__(self, app: Any, registry: Registry, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._registry = registry
        self._label = "asgi_test_app"

    def _track(self, communicator: Any) -> Any:
        self._registry.add(communicator, self._label)
        return super()._track(communicator)

    async def startup(self) -> None:
        __tracebackhide__ = True
        try:
            await super().startup()
        finally:
            lifespan = self.lifespan
            if lifespan is not None:
                self._registry.add(lifespan, "asgi_test_app lifespan")


@pytest.fixture(scope="session")
def asgi_config(pytestconfig: pytest.Config) -> AsgiConfig:
    """The session's asgitest settings (ini, command line, environment).

    Markers are applied per test by the other fixtures; ``asgi_config.for_node(request.node)``
    applies them for a fixture of any scope.
    """
    return pytestconfig.stash[CONFIG_KEY]


@pytest.fixture
def asgi_app(request: pytest.FixtureRequest) -> Any:
    """The application under test, from the ``asgi`` marker's ``app=``, ``--asgi-app`` or the
    ``asgi_app`` ini option. Define an ``asgi_app`` fixture in conftest.py to replace it."""
    __tracebackhide__ = True
    return load_app(request.config, settings_of(request.node), request.node.nodeid)


@pytest.fixture
def asgi_test_app(asgi_app: Any, _asgitest_registry: Registry) -> TestApp:
    """A :class:`~asgitest.TestApp` for ``asgi_app`` with the configured timeout, strictness
    and lifespan mode. Enter it with ``async with asgi_test_app:`` to run the lifespan around
    the block; every communicator it makes is tracked and checked at the end of the test."""
    settings = _asgitest_registry.settings
    return _FixtureTestApp(
        asgi_app,
        _asgitest_registry,
        timeout=settings.timeout,
        strict=settings.strict,
        lifespan=settings.lifespan,
    )


@pytest.fixture
def asgi_http_factory(
    asgi_test_app: TestApp, _asgitest_registry: Registry
) -> Callable[..., HttpCommunicator]:
    """Makes :class:`~asgitest.HttpCommunicator` s for ``asgi_app``:
    ``asgi_http_factory("GET", "/path", body=b"", headers=None, **options)``.

    When ``asgi_test_app``'s lifespan runs, each scope carries a copy of its state.
    """

    def make(
        method: str = "GET", path: str = "/", body: bytes = b"", headers: Any = None, **kwargs: Any
    ) -> HttpCommunicator:
        communicator = asgi_test_app.http(method, path, body, headers, **kwargs)
        _asgitest_registry.add(communicator, "asgi_http_factory")
        return communicator

    return make


@pytest.fixture
def asgi_websocket_factory(
    asgi_test_app: TestApp, _asgitest_registry: Registry
) -> Callable[..., WebsocketCommunicator]:
    """Makes :class:`~asgitest.WebsocketCommunicator` s for ``asgi_app``:
    ``asgi_websocket_factory("/ws/", headers=None, subprotocols=None, **options)``."""

    def make(
        path: str = "/", headers: Any = None, subprotocols: Any = None, **kwargs: Any
    ) -> WebsocketCommunicator:
        communicator = asgi_test_app.websocket(path, headers, subprotocols, **kwargs)
        _asgitest_registry.add(communicator, "asgi_websocket_factory")
        return communicator

    return make


@pytest.fixture
def asgi_lifespan_communicator(
    asgi_test_app: TestApp, _asgitest_registry: Registry
) -> LifespanCommunicator:
    """A :class:`~asgitest.LifespanCommunicator` for ``asgi_app``, not started yet:
    ``async with asgi_lifespan_communicator as lifespan: ...``."""
    communicator = asgi_test_app.lifespan_communicator()
    _asgitest_registry.add(communicator, "asgi_lifespan_communicator")
    return communicator
