"""Client: many requests against one app, default headers, cookies, redirects, WebSocket."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from asgitest import Client, CookieJar, UsageError

pytestmark = pytest.mark.anyio


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


async def respond(send: Any, status: int, body: bytes = b"", headers: Any = ()) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


async def site(scope: Any, receive: Any, send: Any) -> None:
    """A tiny site: login sets a session cookie, /me needs it, redirects, an echo."""
    if scope["type"] == "websocket":
        await receive()
        cookies = dict(scope["headers"]).get(b"cookie", b"")
        if b"session=ada" not in cookies:
            await send({"type": "websocket.close", "code": 4401})
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "hello ada"})
        await receive()
        return
    body = await read_body(receive)
    path = scope["path"]
    headers = dict(scope["headers"])
    if path == "/login":
        form = parse_qs(body.decode())
        user = form["user"][0]
        cookie = f"session={user}; Path=/; HttpOnly".encode()
        await respond(send, 303, headers=[(b"location", b"/me"), (b"set-cookie", cookie)])
    elif path == "/logout":
        expired = b"session=; Max-Age=0; Path=/"
        await respond(send, 200, headers=[(b"set-cookie", expired)])
    elif path == "/me":
        cookie = headers.get(b"cookie", b"").decode()
        if not cookie.startswith("session="):
            await respond(send, 401, b"who are you?")
        else:
            await respond(send, 200, json.dumps({"user": cookie[8:]}).encode())
    elif path == "/loop":
        await respond(send, 302, headers=[(b"location", b"/loop")])
    elif path == "/moved":
        await respond(send, 307, headers=[(b"location", b"/echo")])
    else:
        echo = {
            "method": scope["method"],
            "path": path,
            "query": scope["query_string"].decode(),
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "body": body.decode(),
            "server": list(scope["server"]),
            "scheme": scope["scheme"],
        }
        json_type = [(b"content-type", b"application/json")]
        await respond(send, 200, json.dumps(echo).encode(), json_type)


async def test_every_method_and_default_headers() -> None:
    client = Client(site, headers={"X-Team": "core", "accept": "text/plain"})
    for method in ("get", "post", "put", "patch", "delete", "options", "head"):
        response = await getattr(client, method)("/echo", headers={"accept": "application/json"})
        assert response.status == 200
        echo = response.json()
        assert echo["method"] == method.upper()
        assert echo["headers"]["host"] == "testserver"
        assert echo["headers"]["x-team"] == "core"
        assert echo["headers"]["accept"] == "application/json"


async def test_base_url_query_and_json() -> None:
    client = Client(site, base_url="https://api.example.com:8443")
    response = await client.post("/echo?a=1", params={"b": 2}, json={"k": "v"})
    echo = response.json()
    assert echo["query"] == "a=1&b=2"
    assert echo["body"] == '{"k":"v"}'
    assert echo["headers"]["host"] == "api.example.com:8443"
    assert echo["server"] == ["api.example.com", 8443]
    assert echo["scheme"] == "https"


async def test_login_cookie_then_authenticated_request() -> None:
    client = Client(site)
    assert (await client.get("/me")).status == 401
    response = await client.post("/login", data={"user": "ada"})
    assert response.status == 303  # redirects are not followed by default
    assert client.cookies is not None
    assert client.cookies["session"] == "ada"
    assert (await client.get("/me")).json() == {"user": "ada"}
    await client.post("/logout")
    assert "session" not in client.cookies
    assert (await client.get("/me")).status == 401


async def test_follow_redirects_303_becomes_get_and_keeps_history() -> None:
    client = Client(site, follow_redirects=True)
    response = await client.post("/login", data={"user": "ada"})
    assert response.status == 200
    assert response.json() == {"user": "ada"}
    assert [r.status for r in response.history] == [303]


async def test_307_keeps_method_and_body() -> None:
    client = Client(site)
    response = await client.post("/moved", content=b"payload", follow_redirects=True)
    assert response.json()["method"] == "POST"
    assert response.json()["body"] == "payload"


async def test_redirect_loop_stops_with_a_clear_error() -> None:
    client = Client(site, follow_redirects=True, max_redirects=3)
    with pytest.raises(UsageError, match="Stopped after 3 redirects"):
        await client.get("/loop")


async def test_cookies_disabled_and_initial_cookies() -> None:
    client = Client(site, cookies=False)
    await client.post("/login", data={"user": "ada"})
    assert client.cookies is None
    assert (await client.get("/me")).status == 401

    client = Client(site, cookies={"session": "grace"})
    assert (await client.get("/me")).json() == {"user": "grace"}

    jar = CookieJar()
    first, second = Client(site, cookies=jar), Client(site, cookies=jar)
    await first.post("/login", data={"user": "ada"})
    assert (await second.get("/me")).json() == {"user": "ada"}


async def test_websocket_gets_the_session_cookie_and_an_origin() -> None:
    client = Client(site)
    async with client.websocket("/ws") as communicator:
        connected, code = await communicator.connect()
        assert (connected, code) == (False, 4401)

    await client.post("/login", data={"user": "ada"})
    async with client.websocket("/ws") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_from() == "hello ada"
        headers = dict(communicator.scope["headers"])
        assert headers[b"origin"] == b"http://testserver"
        assert communicator.scope["scheme"] == "ws"


async def test_stream_stores_cookies_from_the_start() -> None:
    async def sets_cookie(scope: Any, receive: Any, send: Any) -> None:
        await read_body(receive)
        headers = [(b"set-cookie", b"seen=1; Path=/")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "http.response.body", "body": b"b"})

    client = Client(sets_cookie)
    async with client.stream("GET", "/") as response:
        assert client.cookies is not None
        assert client.cookies["seen"] == "1"
        assert await response.read() == b"ab"


def test_base_url_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute http"):
        Client(site, base_url="/api")


async def with_lifespan(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                scope["state"]["db"] = "connected"
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": scope["state"]["db"]})
        await receive()
        return
    await read_body(receive)
    body = json.dumps({"db": scope["state"]["db"], "server": list(scope["server"])}).encode()
    await respond(send, 200, body, [(b"set-cookie", b"visit=1")])


async def test_a_test_app_brings_lifespan_state_and_its_defaults() -> None:
    from asgitest import TestApp

    async with TestApp(with_lifespan, server=("api.local", 8000)) as app:
        client = Client(app)
        assert client.base_url == "http://api.local:8000"
        response = await client.get("/")
        assert response.json() == {"db": "connected", "server": ["api.local", 8000]}
        assert client.cookies is not None
        assert client.cookies["visit"] == "1"
        async with client.websocket("/ws") as communicator:
            await communicator.connect()
            assert await communicator.receive_from() == "connected"
            assert dict(communicator.scope["headers"])[b"cookie"] == b"visit=1"
