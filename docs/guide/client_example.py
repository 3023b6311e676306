"""Examples for docs/guide/client.md (pytest runs this file)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from asgitest import Client

pytestmark = pytest.mark.anyio


# --8<-- [start:app]
async def login(request: Request) -> RedirectResponse:
    form = await request.form()
    response = RedirectResponse("/me", status_code=303)
    response.set_cookie("session", str(form["user"]), httponly=True)
    return response


async def me(request: Request) -> JSONResponse | PlainTextResponse:
    user = request.cookies.get("session")
    if user is None:
        return PlainTextResponse("who are you?", status_code=401)
    return JSONResponse({"user": user, "lang": request.headers.get("accept-language")})


async def notifications(websocket: WebSocket) -> None:
    user = websocket.cookies.get("session")
    if user is None:
        await websocket.close(code=4401, reason="log in first")
        return
    await websocket.accept()
    await websocket.send_text(f"3 new messages for {user}")
    await websocket.close()


app = Starlette(
    routes=[
        Route("/login", login, methods=["POST"]),
        Route("/me", me),
        WebSocketRoute("/notifications", notifications),
    ]
)
# --8<-- [end:app]


# --8<-- [start:session]
async def test_login_then_use_the_session() -> None:
    client = Client(app, headers={"accept-language": "fr"})

    assert (await client.get("/me")).status == 401

    response = await client.post("/login", data={"user": "ada"})
    assert response.status == 303  # redirects are not followed unless asked
    assert client.cookies["session"] == "ada"

    response = await client.get("/me")
    assert response.json() == {"user": "ada", "lang": "fr"}


# --8<-- [end:session]


# --8<-- [start:redirects]
async def test_follow_redirects() -> None:
    client = Client(app, follow_redirects=True)
    response = await client.post("/login", data={"user": "grace"})
    assert response.json()["user"] == "grace"
    assert [r.status for r in response.history] == [303]


# --8<-- [end:redirects]


# --8<-- [start:websocket]
async def test_the_session_cookie_authenticates_the_websocket() -> None:
    client = Client(app)
    await client.post("/login", data={"user": "ada"})

    async with client.websocket("/notifications") as ws:
        connected, _ = await ws.connect()
        assert connected
        assert await ws.receive_from() == "3 new messages for ada"
        assert await ws.receive_close() == (1000, "")


# --8<-- [end:websocket]
