"""The spec checker: strict modes on a communicator, and SpecCheck around a live app.

Run by pytest (``*_example.py``); the rules reference includes the marked sections.
"""

from __future__ import annotations

import asyncio
import logging
import warnings

import pytest

from asgitest import HttpCommunicator, ProtocolError, ProtocolWarning, SpecCheck


# --8<-- [start:broken]
async def app(scope, receive, send):
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"Content-Type", b"text/plain"),  # mixed case: pedantic (R41)
                (b"x-request-id", "42"),  # a str value: error (R40)
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"hello"})


# --8<-- [end:broken]


def test_default_mode_raises_for_error_rules() -> None:
    async def main() -> None:
        # --8<-- [start:default]
        async with HttpCommunicator(app, "GET", "/") as communicator:
            await communicator.get_response()
        # ProtocolError: R40: header value must be bytes, got str '42' in
        # "http.response.start" headers[1]. ... Fix: send bytes: b'42'.
        # --8<-- [end:default]

    with pytest.raises(ProtocolError) as info:
        asyncio.run(main())
    assert info.value.rule_id == "R40"
    assert info.value.field == "headers[1]"


def test_pedantic_mode_also_raises_for_pedantic_rules() -> None:
    async def main() -> None:
        async with HttpCommunicator(app, "GET", "/", strict="pedantic") as communicator:
            await communicator.get_response()

    with pytest.raises(ProtocolError) as info:
        asyncio.run(main())
    assert (info.value.rule_id, info.value.severity) == ("R41", "pedantic")


def test_warn_mode_warns_and_off_checks_nothing() -> None:
    async def main(strict: str) -> int:
        async with HttpCommunicator(app, "GET", "/", strict=strict) as communicator:  # type: ignore[arg-type]
            return (await communicator.get_response()).status

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert asyncio.run(main("warn")) == 200
    assert sorted(w.message.rule_id for w in record) == ["R40", "R41", "R8"]  # type: ignore[union-attr]
    assert all(isinstance(w.message, ProtocolWarning) for w in record)
    assert asyncio.run(main("off")) == 200


# --8<-- [start:middleware]
# asgi.py, in development: check every message between uvicorn and the app
checked_app = SpecCheck(app, on_violation="log")  # or "raise"; strict="pedantic" for more
# uvicorn asgi:checked_app  ->  ERROR asgitest.spec R40: header value must be bytes, ...
# --8<-- [end:middleware]


def test_speccheck_logs_violations(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> int:
        # The communicator's own checks are off: here the middleware is the checker.
        async with HttpCommunicator(checked_app, "GET", "/", strict="off") as communicator:
            return (await communicator.get_response()).status

    caplog.set_level(logging.ERROR, logger="asgitest.spec")
    assert asyncio.run(main()) == 200
    [record] = caplog.records
    assert record.getMessage().startswith("R40:")
