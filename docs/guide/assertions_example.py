"""Examples for docs/guide/assertions.md (pytest runs this file)."""

from __future__ import annotations

import json
import re

import pytest

from asgitest import (
    ANY,
    HttpCommunicator,
    MessageMismatch,
    Pattern,
    WebsocketCommunicator,
    assert_messages,
)

pytestmark = pytest.mark.anyio


# --8<-- [start:chat_app]
async def chat(scope, receive, send):
    """A tiny chat room: join with a name, say things, leave with /quit."""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    user, said = None, 0
    while True:
        event = await receive()
        if event["type"] == "websocket.disconnect":
            return
        if event["text"] == "/quit":
            await send({"type": "websocket.close", "code": 4000, "reason": "bye"})
            return
        command = json.loads(event["text"])
        if command["op"] == "join":
            user = command["user"]
            reply = {"event": "joined", "user": user, "online": 1}
        else:
            said += 1
            reply = {"event": "message", "id": said, "user": user, "text": command["text"]}
        await send({"type": "websocket.send", "text": json.dumps(reply)})


# --8<-- [end:chat_app]


# --8<-- [start:sse_app]
async def events(scope, receive, send):
    """A server-sent-events endpoint: three events, streamed one chunk each."""
    await receive()  # http.request
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
        }
    )
    for n in range(3):
        await send({"type": "http.response.body", "body": b"data: %d\n\n" % n, "more_body": True})
    await send({"type": "http.response.body"})  # the end of the stream


# --8<-- [end:sse_app]


# --8<-- [start:chat_test]
async def test_chat():
    async with WebsocketCommunicator(chat, "/chat/") as ws:
        await ws.connect()
        await ws.send_json_to({"op": "join", "user": "ann"})
        await ws.expect_json({"event": "joined", "user": "ann"})  # other keys are ignored

        await ws.send_json_to({"op": "say", "text": "hi all"})
        message = await ws.expect_json({"event": "message", "id": int, "text": "hi all"})
        assert message["user"] == "ann"  # expect_json() returns the parsed value

        await ws.send_to(text_data="/quit")
        await ws.expect_close(code=4000, reason="bye")


# --8<-- [end:chat_test]


# --8<-- [start:sse_test]
async def test_event_stream():
    async with HttpCommunicator(events, "GET", "/events") as http:
        # The first expect() sends the request, as get_response() would.
        await http.expect(
            Pattern(
                "http.response.start", status=200, headers={"content-type": "text/event-stream"}
            )
        )
        chunks = await http.expect_sequence(
            [{"type": "http.response.body", "body": re.compile(rb"^data: \d"), "more_body": True}]
            * 3
        )
        assert [c["body"] for c in chunks] == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]
        await http.expect({"type": "http.response.body", "more_body": False})


# --8<-- [end:sse_test]


# --8<-- [start:after_the_fact]
async def test_the_whole_conversation():
    async with WebsocketCommunicator(chat, "/chat/") as ws:
        await ws.connect()
        await ws.send_json_to({"op": "join", "user": "ann"})
        await ws.receive_json_from()
        await ws.send_to(text_data="/quit")
        await ws.expect_close()

    # Every message, both directions, in order:
    assert_messages(
        ws.transcript,
        [
            "websocket.connect",
            "websocket.accept",
            {"type": "websocket.receive", "text": re.compile('"op": "join"')},
            {"type": "websocket.send", "text": ANY},
            {"type": "websocket.receive", "text": "/quit"},
            {"type": "websocket.close", "code": 4000},
        ],
    )
    # Only what the app sent, only some of it, in this order:
    assert_messages(
        ws.transcript,
        ["websocket.accept", "websocket.close"],
        direction="from_app",
        mode="in_order",
    )


# --8<-- [end:after_the_fact]


# --8<-- [start:plain_assert]
async def test_plain_assert():
    async with HttpCommunicator(events, "GET", "/events") as http:
        response = await http.get_response()
    assert response == Pattern(status=200, headers={"Cache-Control": "no-cache"})


# --8<-- [end:plain_assert]


async def test_failure_text():
    """The failure shown on the page is the one this test produces."""
    async with WebsocketCommunicator(chat, "/chat/") as ws:
        await ws.connect()
        await ws.send_json_to({"op": "join", "user": "ann"})
        with pytest.raises(MessageMismatch) as excinfo:
            # --8<-- [start:failing]
            await ws.expect_json({"event": "joined", "user": "bob"})
            # --8<-- [end:failing]
        await ws.disconnect()
    text = "\n".join([str(excinfo.value), *excinfo.value.__notes__])
    assert re.sub(r"\+\d+\.\d{3}s", "+0.000s", text) == FAILURE


FAILURE = """\
Message #3 from the app (websocket /chat/) does not match the pattern.
  pattern: {"type": "websocket.send", "text": JSON matching {"event": "joined", "user": "bob"}}
  message: {"type": "websocket.send", "text": '{"event": "joined", "user": "ann", "online": 1}'}
  at ["text"] (as JSON) ["user"]: expected "bob", got "ann"
Transcript (4 messages; >> marks #3):
     #0   +0.000s test → app  "websocket.connect"
     #1   +0.000s app → test  "websocket.accept"
     #2   +0.000s test → app  "websocket.receive" text='{"op": "join", "user": "ann"}'
  >> #3   +0.000s app → test  "websocket.send" text='{"event": "joined", "user": "ann", "online": 1}'"""  # noqa: E501
