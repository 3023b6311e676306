from __future__ import annotations

import asyncio
import os

import pytest

pytest_plugins = ["pytester"]

LOOP_ENV = "ASGITEST_TEST_LOOP"
"""``uvloop`` runs every asyncio test of the suite on uvloop (as ``--event-loop uvloop`` does)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--event-loop",
        choices=("asyncio", "uvloop"),
        default=os.environ.get(LOOP_ENV) or "asyncio",
        help="the asyncio event loop every asyncio test runs on (default: asyncio's own; "
        f"also {LOOP_ENV}=uvloop)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("event_loop") == "uvloop":
        import uvloop

        # pytest-asyncio, anyio's asyncio backend and asyncio.run() all make their loops
        # through the policy (Python 3.11 to 3.13).
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def pytest_report_header(config: pytest.Config) -> str:
    return f"event loop: {config.getoption('event_loop')}"


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param("trio", id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> object:
    """Every async test marked ``anyio`` runs on asyncio (debug mode) and on trio."""
    return request.param


@pytest.fixture
def expected_loop(request: pytest.FixtureRequest) -> str:
    """The event loop this run asked for: ``asyncio`` or ``uvloop``."""
    return str(request.config.getoption("event_loop"))
