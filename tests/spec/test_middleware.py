"""SpecCheck: the checker as ASGI middleware, under the communicators and under real uvicorn."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from asgitest import (
    HttpCommunicator,
    ProtocolError,
    ProtocolWarning,
    SpecCheck,
    WebsocketCommunicator,
)

from .framework_apps import starlette_app

pytestmark = pytest.mark.anyio


async def str_header(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise RuntimeError("http only")
    await receive()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [[b"content-type", "text/plain"]]}
    )
    await send({"type": "http.response.body", "body": b"hi"})


async def no_response(scope: Any, receive: Any, send: Any) -> None:
    await receive()


async def test_raise_mode_raises_into_the_app() -> None:
    # strict="off" on the communicator: only the middleware checks.
    with pytest.raises(ProtocolError) as info:
        async with HttpCommunicator(SpecCheck(str_header), "GET", "/", strict="off") as c:
            await c.get_response()
    assert info.value.rule_id == "R40"
    assert info.value.field == "headers[0]"
    assert "Transcript" in "\n".join(info.value.__notes__)


async def test_raise_mode_reports_how_the_app_ended() -> None:
    with pytest.raises(ProtocolError) as info:
        async with HttpCommunicator(SpecCheck(no_response), "GET", "/", strict="off") as c:
            await c.get_response()
    assert info.value.rule_id == "R57"


async def test_log_mode_logs_and_lets_the_message_through(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="asgitest.spec")
    async with HttpCommunicator(
        SpecCheck(str_header, on_violation="log"), "GET", "/", strict="off"
    ) as c:
        response = await c.get_response()
    assert response.status == 200
    [record] = [r for r in caplog.records if r.name == "asgitest.spec"]
    assert record.getMessage().startswith("R40: header value must be bytes")
    assert "Transcript" in record.getMessage()
    assert record.asgi_rule_id == "R40"  # type: ignore[attr-defined]


async def test_warn_strictness_warns() -> None:
    async def run() -> None:
        app = SpecCheck(str_header, strict="warn")
        async with HttpCommunicator(app, "GET", "/", strict="off") as c:
            await c.get_response()

    with pytest.warns(ProtocolWarning, match="R40"):
        await run()


async def test_a_correct_app_passes_through_unchanged() -> None:
    app = SpecCheck(starlette_app)
    async with HttpCommunicator(app, "GET", "/stream") as c:
        assert (await c.get_response()).body == b"s0s1s2"
    async with WebsocketCommunicator(app, "/ws") as ws:
        assert (await ws.connect())[0]
        await ws.send_to(text_data="x")
        assert await ws.receive_from() == "X"


async def test_off_is_a_pass_through() -> None:
    async with HttpCommunicator(SpecCheck(str_header, strict="off"), "GET", "/", strict="off") as c:
        assert (await c.get_response()).status == 200


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="on_violation"):
        SpecCheck(str_header, on_violation="print")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strict"):
        SpecCheck(str_header, strict="loud")  # type: ignore[arg-type]
    assert repr(SpecCheck(str_header)) == "<SpecCheck strict='error' on_violation='raise'>"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_under_real_uvicorn(caplog: pytest.LogCaptureFixture) -> None:
    """The middleware sees a real server's scopes and messages: a correct request raises
    nothing, the broken one is logged with its rule id, and the lifespan scope passes."""
    import httpx
    import uvicorn

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await starlette_app(scope, receive, send)
        elif scope["path"] == "/bad":
            await str_header(scope, receive, send)
        else:
            await starlette_app(scope, receive, send)

    caplog.set_level(logging.ERROR, logger="asgitest.spec")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        SpecCheck(app, on_violation="log"),
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
        http="h11",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            good = await client.get("/plain")
            bad = await client.get("/bad")
    finally:
        server.should_exit = True
        await task
    assert good.text == "plain"
    assert bad.status_code == 200  # h11 sends the str header; the middleware tells you
    rules = [getattr(r, "asgi_rule_id", None) for r in caplog.records if r.name == "asgitest.spec"]
    assert rules == ["R40"]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_under_real_hypercorn(caplog: pytest.LogCaptureFixture) -> None:
    """hypercorn's scopes (spec 2.1 http, lists for client/server, extensions {}) and its
    lifespan pass; the broken response is reported."""
    import httpx
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/bad":
            await str_header(scope, receive, send)
        else:
            await starlette_app(scope, receive, send)

    caplog.set_level(logging.ERROR, logger="asgitest.spec")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(SpecCheck(app, on_violation="log"), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(500):
                try:
                    good = await client.get("/plain")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.01)
            bad = await client.get("/bad")
    finally:
        stop.set()
        await task
    assert good.text == "plain"
    assert bad.status_code == 500  # hypercorn: TypeError on the str value -> 500
    rules = [getattr(r, "asgi_rule_id", None) for r in caplog.records if r.name == "asgitest.spec"]
    assert rules == ["R40"]
