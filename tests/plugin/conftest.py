"""Fixtures for the plugin's pytester tests (helpers live in plugin_helpers.py)."""

from __future__ import annotations

import pytest
from plugin_helpers import RUNNERS, Runner


@pytest.fixture(params=list(RUNNERS), ids=list(RUNNERS))
def runner(request: pytest.FixtureRequest) -> Runner:
    return RUNNERS[request.param]


@pytest.fixture(params=[name for name, r in RUNNERS.items() if not r.trio])
def asyncio_runner(request: pytest.FixtureRequest) -> Runner:
    """The runners where a test can leave an app running (trio's nursery rules that out)."""
    return RUNNERS[request.param]
