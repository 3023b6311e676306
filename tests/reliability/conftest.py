"""Hypothesis profiles for the reliability suite.

``quick`` (the default) keeps each property to about ten seconds, so that the default ``pytest``
stays short; ``ci`` (what ``.ci/run`` adds) runs about three times as many examples, and
``long`` ten times more than that: ``ASGITEST_HYPOTHESIS_PROFILE=long pytest tests/reliability``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

CI_EXAMPLES = 100

settings.register_profile(
    "quick",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=CI_EXAMPLES * 10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
PROFILE = os.environ.get("ASGITEST_HYPOTHESIS_PROFILE", "quick")
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long profile runs for minutes per property: lift pytest-timeout's limit for it."""
    if PROFILE != "long":
        return
    for item in items:
        if "tests/reliability/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.timeout(0))
