"""pytest plugin of the compatibility corpus: write every test's outcome to a JSON file.

Loaded with ``-p compat_pytest_report`` (scripts/compat/helpers on PYTHONPATH). The file
named by the COMPAT_REPORT environment variable receives::

    {"collected": N, "exitstatus": N, "channels_testing_imported": bool,
     "asgitest_imported": bool,
     "tests": {nodeid: {"outcome", "message", "where", "text", "seconds"}}}

``outcome`` is one of passed, failed, error (setup or teardown failed), skipped, xfailed,
xpassed, collection-error. ``message`` is the first line of the exception, ``where`` the
file:line of the crash, ``text`` the whole failure report (truncated).
"""

from __future__ import annotations

import json
import os
import sys

import pytest

_TEXT_LIMIT = 20_000
_results: dict[str, dict[str, str]] = {}
_durations: dict[str, float] = {}
_collected = 0


def _describe(report: pytest.TestReport | pytest.CollectReport) -> tuple[str, str, str]:
    longrepr = report.longrepr
    if longrepr is None:
        return "", "", ""
    text = str(longrepr)
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        message = (crash.message or "").strip().splitlines()
        where = f"{crash.path}:{crash.lineno}"
        return (message[0] if message else ""), where, text[-_TEXT_LIMIT:]
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return str(longrepr[2]), f"{longrepr[0]}:{longrepr[1]}", text
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1].strip() if lines else ""), "", text[-_TEXT_LIMIT:]


def _set(nodeid: str, outcome: str, report: pytest.TestReport | pytest.CollectReport) -> None:
    message, where, text = _describe(report)
    _results[nodeid] = {"outcome": outcome, "message": message, "where": where, "text": text}


def pytest_collection_finish(session: pytest.Session) -> None:
    global _collected
    _collected = len(session.items)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _set(report.nodeid or "<collection>", "collection-error", report)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration
    current = _results.get(report.nodeid, {}).get("outcome")
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        else:
            outcome = report.outcome
        if current != "error":
            _set(report.nodeid, outcome, report)
    elif report.failed:
        # A failing setup, or a teardown that fails after the test body: worst wins.
        if current != "failed":
            _set(report.nodeid, "error", report)
    elif report.skipped and report.when == "setup":
        _set(report.nodeid, "xfailed" if hasattr(report, "wasxfail") else "skipped", report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("COMPAT_REPORT")
    if not path:
        return
    for nodeid, entry in _results.items():
        entry["seconds"] = f"{_durations.get(nodeid, 0.0):.3f}"
    data = {
        "collected": _collected,
        "exitstatus": int(exitstatus),
        "channels_testing_imported": "channels.testing" in sys.modules,
        "asgitest_imported": "asgitest" in sys.modules,
        "tests": _results,
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
