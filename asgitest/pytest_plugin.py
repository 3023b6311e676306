"""asgitest's pytest plugin (entry point ``pytest11``: ``asgitest``).

Options (ini / command line / environment), the ``asgi`` marker, the ``asgi_*`` fixtures, the
"asgitest transcript" section of failure reports, and the check that no application instance
outlives its test. The code lives in ``asgitest._plugin``; pytest reads the hooks and fixtures
from this module's attributes.

Every fixture is synchronous and hands out objects the test enters with ``async with`` (or
awaits, on asyncio), so the same fixtures serve pytest-asyncio (strict or auto mode), anyio's
plugin on asyncio and on trio, and pytest-xdist workers.
"""

from __future__ import annotations

from ._live import (  # noqa: F401  (fixtures are registered as module attributes)
    asgi_live_app,
    asgi_live_server,
    asgi_live_server_factory,
    asgi_live_server_session,
)
from ._plugin import (  # noqa: F401  (hooks and fixtures are registered as module attributes)
    AsgiConfig,
    asgi_app,
    asgi_config,
    asgi_http_factory,
    asgi_lifespan_communicator,
    asgi_test_app,
    asgi_websocket_factory,
    asgitest_registry,
    pytest_addoption,
    pytest_assertrepr_compare,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_call,
    pytest_runtest_makereport,
    pytest_unconfigure,
)

__all__ = [
    "AsgiConfig",
    "asgi_app",
    "asgi_config",
    "asgi_http_factory",
    "asgi_lifespan_communicator",
    "asgi_test_app",
    "asgi_websocket_factory",
]
