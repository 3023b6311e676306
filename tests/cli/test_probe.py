"""The conformance probe behind ``asgitest check``, run in-process against small raw apps."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from asgitest import InvalidApplication, UsageError
from asgitest._cli._probe import run_probe

pytestmark = pytest.mark.anyio


async def _body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def good(scope: Any, receive: Any, send: Any) -> None:
    """Speaks lifespan, HTTP (404 off /, no body for HEAD) and an echo WebSocket."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                scope["state"]["ready"] = True
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        while True:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif message["type"] == "websocket.receive":
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                return
    assert scope["state"] == {"ready": True}
    body = await _body(receive)
    status = 200 if scope["path"] == "/" else 404
    payload = b"" if scope["method"] == "HEAD" else b"ok:" + body
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": payload})


async def test_a_conformant_app_has_no_findings() -> None:
    report = await run_probe(good, timeout=1)
    assert report.findings == []
    assert report.ok()
    assert [(step.name, step.outcome) for step in report.steps] == [
        ("lifespan startup", "ok"),
        ("GET /", "ok"),
        ("HEAD /", "ok"),
        ("GET an unknown path", "ok"),
        ("POST / (chunked body)", "ok"),
        ("GET /, client disconnects", "ok"),
        ("WebSocket /", "ok"),
        ("lifespan shutdown", "ok"),
    ]
    assert report.steps[4].summary == "200 OK, 37 bytes"  # "ok:" and the three chunks
    assert report.steps[6].summary == "accepted, 1 frame(s) back, disconnected cleanly"


async def crashes_on_get(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise ValueError(f"unsupported scope type {scope['type']!r}")
    await receive()
    if scope["method"] == "GET":
        raise RuntimeError("boom")
    await send({"type": "http.response.start", "status": 204})
    await send({"type": "http.response.body"})


async def test_an_exception_is_a_violation_with_the_transcript() -> None:
    report = await run_probe(crashes_on_get, timeout=1)
    assert not report.ok()
    crash = next(f for f in report.findings if f.step == "GET /")
    assert (crash.severity, crash.rule_id) == ("error", "R59")
    assert crash.message == "the app raised RuntimeError: boom"
    assert crash.transcript is not None
    assert '"http.request"' in crash.transcript
    infos = {f.step: f.message for f in report.findings if f.severity == "info"}
    assert infos["lifespan startup"].startswith("lifespan is not supported: the app raised")
    assert "does not speak WebSocket" in infos["WebSocket /"]
    assert "HEAD /" not in {f.step for f in report.errors}


async def test_lifespan_on_makes_missing_lifespan_a_violation() -> None:
    report = await run_probe(crashes_on_get, timeout=1, lifespan="on")
    assert any(f.step == "lifespan startup" and f.severity == "error" for f in report.findings)


async def fails_startup(scope: Any, receive: Any, send: Any) -> None:
    assert scope["type"] == "lifespan"
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "database is down"})


async def test_failed_startup_is_a_violation() -> None:
    with pytest.raises(InvalidApplication):
        await run_probe(object(), timeout=1)
    report = await run_probe(fails_startup, timeout=1, lifespan="on")
    startup = report.findings[0]
    assert (startup.step, startup.severity) == ("lifespan startup", "error")
    assert startup.message == "startup failed: database is down"


async def streams_forever(scope: Any, receive: Any, send: Any) -> None:
    """Streams without ever listening for the disconnect (spec 2.3: send() does not raise)."""
    if scope["type"] != "http":
        raise ValueError("http only")
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    while True:
        await send({"type": "http.response.body", "body": b".", "more_body": True})
        await anyio.sleep(0.01)


async def test_an_app_that_ignores_the_disconnect_is_a_violation() -> None:
    report = await run_probe(
        streams_forever, timeout=0.2, lifespan="off", disconnect_path="/stream"
    )
    leak = next(f for f in report.findings if f.step == "GET /stream, client disconnects")
    assert leak.severity == "error"
    assert "still running when the communicator was closed" in leak.message
    # The other HTTP steps stop reading the endless body, which is worth a warning, and the
    # app ignores that disconnect too, which is a violation.
    get = [(f.severity, f.message) for f in report.findings if f.step == "GET /"]
    assert get[0] == (
        "warning",
        "the response was still streaming after 0.6s; the probe stopped reading and "
        "disconnected. Point --path at a page whose response ends, and --disconnect-path "
        "at the stream.",
    )
    assert get[1][0] == "error"
    assert "still running when the communicator was closed" in get[1][1]


async def hangs_on_connect(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    if scope["type"] != "websocket":
        raise ValueError("no lifespan")
    await receive()
    await anyio.sleep_forever()


async def test_a_websocket_that_never_answers_times_out() -> None:
    report = await run_probe(hangs_on_connect, timeout=0.2, websocket_path="/ws")
    [finding] = report.errors
    assert finding.step == "WebSocket /ws"
    assert finding.message.startswith("Timed out after 0.2s waiting for")
    assert finding.message.endswith("(the app hangs?)")


async def test_the_report_is_json_ready() -> None:
    report = await run_probe(crashes_on_get, timeout=1, name="crashes:app")
    data = json.loads(json.dumps(report.as_dict()))
    assert data["app"] == "crashes:app"
    assert data["ok"] is False
    assert data["errors"] == len(report.errors)
    assert {"step", "severity", "message", "rule_id", "transcript"} <= set(data["findings"][0])


async def test_the_probe_needs_the_checker() -> None:
    with pytest.raises(UsageError, match="needs the spec checker"):
        await run_probe(good, strict="off")
