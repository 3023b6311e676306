"""Drive a corpus case through the real communicators until the app is done."""

from __future__ import annotations

import re
from typing import Any

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    ProtocolError,
    Timeout,
    WebsocketCommunicator,
)

from .corpus import Case

LIFESPAN_SCOPE: dict[str, Any] = {
    "type": "lifespan",
    "asgi": {"version": "3.0", "spec_version": "2.0"},
    "state": {},
}
_QUOTED_TYPE = re.compile(r'"(http|websocket|lifespan)\.[a-z_.]+"')


async def drain(communicator: ApplicationCommunicator, on_message: Any = None) -> list[Any]:
    """Read every message until the app has ended (its failure is raised as soon as it happens)."""
    messages = []
    while True:
        try:
            message = await communicator.receive_output(1)
        except Timeout as exc:
            if exc.app_state == "running":
                raise
            return messages
        messages.append(message)
        if on_message is not None:
            await on_message(communicator, message)


async def run_http(case: Case, strict: str) -> list[Any]:
    async with HttpCommunicator(
        case.app,
        case.method,
        "/",
        scope=case.scope or None,
        strict=strict,  # type: ignore[arg-type]
    ) as communicator:
        await communicator.send_input({"type": "http.request", "body": b""})
        return await drain(communicator)


async def run_websocket(case: Case, strict: str) -> list[Any]:
    async with WebsocketCommunicator(
        case.app,
        "/",
        subprotocols=case.subprotocols,
        spec_version=case.spec_version,
        scope=case.scope or None,
        strict=strict,  # type: ignore[arg-type]
    ) as communicator:
        if case.open_first:
            await communicator.send_input({"type": "websocket.connect"})
        return await drain(communicator)


async def _answer_lifespan(communicator: ApplicationCommunicator, message: Any) -> None:
    if message.get("type") == "lifespan.startup.complete":
        await communicator.send_input({"type": "lifespan.shutdown"})


async def run_lifespan(case: Case, strict: str) -> list[Any]:
    async with ApplicationCommunicator(
        case.app,
        dict(LIFESPAN_SCOPE, state={}),
        strict=strict,  # type: ignore[arg-type]
    ) as communicator:
        if case.open_first:
            await communicator.send_input({"type": "lifespan.startup"})
        return await drain(communicator, _answer_lifespan if case.shutdown else None)


def assert_names_rule(error: ProtocolError, case: Case) -> None:
    """The error names the rule, the field (or the quoted message type) and its severity."""
    text = str(error)
    assert error.rule_id == case.rule, text
    assert text.startswith(f"{case.rule}: "), text
    assert error.field == case.field, text
    assert error.severity == case.severity, text
    if case.field == "type":
        assert _QUOTED_TYPE.search(text) or "'type'" in text, text
    else:
        assert case.field.split("[")[0] in text, text
    assert "Spec (" in text, text
    assert "https://asgi.readthedocs.io/" in text, text
    assert error.transcript is not None
    assert f"^ {case.rule} broken here" in error.transcript.render()
