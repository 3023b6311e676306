"""asgitest's pytest plugin: the room behind the public entry-point module
``asgitest.pytest_plugin`` (``pytest11``: ``asgitest``).

- ``_settings.py``: the options (ini, command line, environment), the ``asgi`` marker, and what
  they resolve to (:class:`AsgiConfig`).
- ``_registry.py``: every application instance a test starts, for the leak check and the
  failure report.
- ``_hooks.py``: pytest's hooks and the autouse registry fixture.
- ``_fixtures.py``: the ``asgi_*`` fixtures.

It imports from every room below it (the communicators, ``TestApp``, the engine's hooks, the
settings parsers of ``asgitest._config``); nothing in asgitest imports it but the entry point.
"""

from __future__ import annotations

from ._fixtures import (
    asgi_app,
    asgi_config,
    asgi_http_factory,
    asgi_lifespan_communicator,
    asgi_test_app,
    asgi_websocket_factory,
)
from ._hooks import (
    asgitest_registry,
    pytest_addoption,
    pytest_assertrepr_compare,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_call,
    pytest_runtest_makereport,
    pytest_unconfigure,
)
from ._settings import AsgiConfig

__all__ = [
    "AsgiConfig",
    "asgi_app",
    "asgi_config",
    "asgi_http_factory",
    "asgi_lifespan_communicator",
    "asgi_test_app",
    "asgi_websocket_factory",
    "asgitest_registry",
    "pytest_addoption",
    "pytest_assertrepr_compare",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "pytest_unconfigure",
]
