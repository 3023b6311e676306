"""Examples for docs/guide/websocket.md (pytest runs this file)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from asgitest import WebsocketCommunicator, WebsocketRejected

pytestmark = pytest.mark.anyio


# --8<-- [start:app]
async def chat(websocket: WebSocket) -> None:
    if websocket.query_params.get("token") != "s3cret":
        response = PlainTextResponse("missing token", status_code=401)
        await websocket.send_denial_response(response)
        return
    await websocket.accept(subprotocol="chat.v2")
    text = await websocket.receive_text()
    await websocket.close(code=4000, reason=f"bye after {text!r}")


app = Starlette(routes=[WebSocketRoute("/chat", chat)])
# --8<-- [end:app]

DENIAL = {"websocket.http.response": {}}


# --8<-- [start:close]
async def test_close_code_and_reason() -> None:
    communicator = WebsocketCommunicator(app, "/chat?token=s3cret", subprotocols=["chat.v2"])
    async with communicator:
        assert await communicator.connect() == (True, "chat.v2")
        await communicator.send_to(text_data="hi")
        code, reason = await communicator.assert_closed(4000)
        assert reason == "bye after 'hi'"


# --8<-- [end:close]


# --8<-- [start:denial]
async def test_denial_response() -> None:
    async with WebsocketCommunicator(app, "/chat", extensions=DENIAL) as communicator:
        assert await communicator.connect() == (False, 401)
        assert communicator.denial_response is not None
        assert communicator.denial_response.text == "missing token"


async def test_denial_response_raised() -> None:
    async with WebsocketCommunicator(app, "/chat", extensions=DENIAL) as communicator:
        with pytest.raises(WebsocketRejected) as info:
            await communicator.connect(raise_on_reject=True)
    assert info.value.status == 401


# --8<-- [end:denial]
