"""A Django test runner for the compatibility corpus: Django's DiscoverRunner, plus a JSON
file of every test's outcome (the same shape as compat_pytest_report's).

Used as ``manage.py test --testrunner=compat_django_runner.JsonRunner`` with
scripts/compat/helpers on PYTHONPATH and COMPAT_REPORT naming the output file.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import unittest

from django.test.runner import DiscoverRunner

_TEXT_LIMIT = 20_000


def _first_line(err: tuple) -> tuple[str, str]:
    exc_type, exc, tb = err
    message = "".join(traceback.format_exception_only(exc_type, exc)).strip().splitlines()
    frames = traceback.extract_tb(tb)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return (message[0] if message else exc_type.__name__), where


class JsonResult(unittest.TextTestResult):
    records: dict[str, dict[str, str]] = {}

    def _record(self, test: unittest.TestCase, outcome: str, err: tuple | None = None) -> None:
        entry = {"outcome": outcome, "message": "", "where": "", "text": ""}
        if err is not None:
            entry["message"], entry["where"] = _first_line(err)
            entry["text"] = self._exc_info_to_string(err, test)[-_TEXT_LIMIT:]
        previous = self.records.get(test.id(), {}).get("outcome")
        if previous in ("failed", "error") and outcome == "passed":
            return  # a subtest failed earlier
        self.records[test.id()] = entry

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failed", err)

    def addError(self, test, err):
        super().addError(test, err)
        # setUpClass/tearDownClass errors arrive with a _ErrorHolder "test"
        self._record(test, "error", err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.records[test.id()] = {"outcome": "skipped", "message": reason, "where": "", "text": ""}

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "xfailed", err)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "xpassed")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._record(test, "failed" if failed else "error", err)


class JsonRunner(DiscoverRunner):
    def get_resultclass(self):
        return JsonResult

    def run_suite(self, suite, **kwargs):
        self._collected = suite.countTestCases()
        return super().run_suite(suite, **kwargs)

    def suite_result(self, suite, result, **kwargs):
        path = os.environ.get("COMPAT_REPORT")
        if path:
            data = {
                "collected": getattr(self, "_collected", 0),
                "exitstatus": 0 if result.wasSuccessful() else 1,
                "channels_testing_imported": "channels.testing" in sys.modules,
                "asgitest_imported": "asgitest" in sys.modules,
                "tests": JsonResult.records,
            }
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
        return super().suite_result(suite, result, **kwargs)
