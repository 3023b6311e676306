"""expect(), expect_sequence(), the WebSocket expect_*() helpers and assert_messages(),
against a real chat app and a real server-sent-events endpoint, on asyncio and trio.

The failure texts are compared whole (timestamps normalized), so that a change that makes
them harder to read fails a test.
"""

from __future__ import annotations

import json
import re

import pytest

from asgitest import (
    ANY,
    HttpCommunicator,
    MessageMismatch,
    Pattern,
    Timeout,
    UnexpectedMessage,
    WebsocketCommunicator,
    assert_messages,
)

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------------- the apps


async def chat_app(scope, receive, send):
    """A chat room of one: echoes text, answers JSON commands, echoes binary frames."""
    assert scope["type"] == "websocket"
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    said = 0
    while True:
        event = await receive()
        if event["type"] == "websocket.disconnect":
            return
        if event.get("bytes") is not None:
            await send({"type": "websocket.send", "bytes": event["bytes"]})
            continue
        text = event["text"]
        if text == "/quit":
            await send({"type": "websocket.close", "code": 4000, "reason": "bye"})
            return
        if text.startswith("{"):
            command = json.loads(text)
            if command["op"] == "join":
                reply = {"event": "joined", "user": command["user"], "online": 1}
            else:
                said += 1
                reply = {"event": "message", "id": said, "user": "ann", "text": command["text"]}
            await send({"type": "websocket.send", "text": json.dumps(reply)})
            continue
        await send({"type": "websocket.send", "text": f"echo: {text}"})


async def sse_app(scope, receive, send):
    """A server-sent-events endpoint: three events, streamed, then the end of the body."""
    assert scope["type"] == "http"
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
        }
    )
    for n in range(3):
        await send({"type": "http.response.body", "body": b"data: %d\n\n" % n, "more_body": True})
    await send({"type": "http.response.body"})


def full_text(error: BaseException) -> str:
    """What pytest prints for the error: its text and its notes, timestamps normalized."""
    text = "\n".join([str(error), *getattr(error, "__notes__", [])])
    return re.sub(r"\+\d+\.\d{3}s", "+0.000s", text)


SSE_EVENTS = [
    "http.response.start",
    {"type": "http.response.body", "body": b"data: 0\n\n", "more_body": True},
    {"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True},
    {"type": "http.response.body", "body": b"data: 2\n\n", "more_body": True},
    {"type": "http.response.body", "body": b"", "more_body": False},
]


# ---------------------------------------------------------------------- expect()


async def test_expect_returns_the_matching_message():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        # The request is sent by the first expect(), as get_response() would.
        start = await communicator.expect(
            Pattern(
                "http.response.start", status=200, headers={"content-type": "text/event-stream"}
            )
        )
        assert start["status"] == 200
        body = await communicator.expect({"type": "http.response.body", "more_body": True})
        assert body["body"] == b"data: 0\n\n"


async def test_expect_sends_the_request_only_when_the_test_has_not():
    async with HttpCommunicator(sse_app, "GET", "/events", body=b"q") as communicator:
        await communicator.expect("http.response.start")
        await communicator.expect_sequence(SSE_EVENTS[1:])
    assert communicator.transcript.received_by_app() == [{"type": "http.request", "body": b"q"}]
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        await communicator.expect_sequence(SSE_EVENTS)
    assert [m["type"] for m in communicator.transcript.received_by_app()] == ["http.request"]


async def test_expect_failure_text():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        await communicator.expect("http.response.start")
        await communicator.wait()  # the app has sent everything: the transcript is complete
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect({"type": "http.response.body", "body": b"data: 7\n\n"})
    error = excinfo.value
    assert (
        full_text(error)
        == """\
Message #2 from the app (http GET /events) does not match the pattern.
  pattern: {"type": "http.response.body", "body": b"data: 7\\n\\n"}
  message: {"type": "http.response.body", "body": b"data: 0\\n\\n", "more_body": True}
  at ["body"]: expected b"data: 7\\n\\n", got b"data: 0\\n\\n"
Transcript (6 messages; >> marks #2):
     #0   +0.000s test → app  "http.request" body=b''
     #1   +0.000s app → test  "http.response.start" status=200 headers=[(b'content-type', b'text/event-stream'), (b'cache-control', b'no-cache')]
  >> #2   +0.000s app → test  "http.response.body" body=b'data: 0\\n\\n' more_body=True
     #3   +0.000s app → test  "http.response.body" body=b'data: 1\\n\\n' more_body=True
     #4   +0.000s app → test  "http.response.body" body=b'data: 2\\n\\n' more_body=True
     #5   +0.000s app → test  "http.response.body"
                   the app returned"""  # noqa: E501
    )
    assert isinstance(error, AssertionError)
    assert isinstance(error, UnexpectedMessage)
    assert error.index == 2
    assert error.message == {
        "type": "http.response.body",
        "body": b"data: 0\n\n",
        "more_body": True,
    }
    assert error.pattern == Pattern({"type": "http.response.body", "body": b"data: 7\n\n"})
    assert error.mismatch.path == '["body"]'
    assert error.transcript is communicator.transcript


async def test_expect_header_mismatch_names_the_header():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect(
                Pattern("http.response.start", headers={"Content-Type": b"application/json"})
            )
    assert str(excinfo.value).splitlines()[-1] == (
        '  at ["headers"]["Content-Type"]: expected b"application/json", got b"text/event-stream"'
    )


async def test_timeout_while_expecting_names_the_pattern():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        with pytest.raises(Timeout) as excinfo:
            await communicator.expect({"type": "websocket.send", "text": "echo: hi"}, timeout=0.05)
        assert str(excinfo.value).splitlines()[0] == (
            'Timed out after 0.05s waiting for "websocket.send" with text="echo: hi" from the app '
            "(websocket /chat/)."
        )
        assert excinfo.value.awaited == '"websocket.send" with text="echo: hi"'
        # The communicator still works, and the next wait is not mislabelled.
        await communicator.send_to(text_data="hi")
        assert await communicator.receive_from() == "echo: hi"
        assert communicator._awaiting is None


async def test_app_that_ends_while_expecting_names_the_pattern():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        await communicator.expect_sequence(SSE_EVENTS)
        with pytest.raises(Timeout) as excinfo:
            await communicator.expect(Pattern("http.response.trailers"))
    assert str(excinfo.value).splitlines()[0] == (
        'Expected "http.response.trailers" from the app (http GET /events), but the app ended '
        "without sending it."
    )


# ---------------------------------------------------------------------- expect_sequence()


async def test_expect_sequence_streams_an_sse_response():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        messages = await communicator.expect_sequence(SSE_EVENTS)
    assert [m.get("body") for m in messages] == [
        None,
        b"data: 0\n\n",
        b"data: 1\n\n",
        b"data: 2\n\n",
        None,
    ]


async def test_expect_sequence_failure_names_the_pattern():
    events = [*SSE_EVENTS[:2], {"type": "http.response.body", "body": re.compile(rb"data: [2-9]")}]
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        await communicator.send_input({"type": "http.request", "body": b""})
        await communicator.wait()  # the app has sent everything: the transcript is complete
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect_sequence(events)
    assert (
        full_text(excinfo.value)
        == """\
Message #3 from the app (http GET /events) does not match patterns[2] (3 of 3).
  pattern: {"type": "http.response.body", "body": re.compile(b"data: [2-9]")}
  message: {"type": "http.response.body", "body": b"data: 1\\n\\n", "more_body": True}
  at ["body"]: expected a match for re.compile(b"data: [2-9]"), got b"data: 1\\n\\n"
Transcript (6 messages; >> marks #3):
     #0   +0.000s test → app  "http.request" body=b''
     #1   +0.000s app → test  "http.response.start" status=200 headers=[(b'content-type', b'text/event-stream'), (b'cache-control', b'no-cache')]
     #2   +0.000s app → test  "http.response.body" body=b'data: 0\\n\\n' more_body=True
  >> #3   +0.000s app → test  "http.response.body" body=b'data: 1\\n\\n' more_body=True
     #4   +0.000s app → test  "http.response.body" body=b'data: 2\\n\\n' more_body=True
     #5   +0.000s app → test  "http.response.body"
                   the app returned"""  # noqa: E501
    )


async def test_expect_sequence_wants_a_list():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        with pytest.raises(TypeError) as excinfo:
            await communicator.expect_sequence("http.response.start")
        await communicator.get_response()
    assert str(excinfo.value) == (
        'expect_sequence() takes a list of patterns, got a single pattern "http.response.start". '
        'Wrap it in a list: expect_sequence(..., ["http.response.start"]).'
    )


# ---------------------------------------------------------------------- WebSocket helpers


async def test_websocket_helpers_on_a_chat():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        assert await communicator.connect() == (True, None)
        await communicator.send_to(text_data="hello")
        assert await communicator.expect_text("echo: hello") == "echo: hello"
        await communicator.send_to(text_data="again")
        assert await communicator.expect_text(re.compile("^echo: ")) == "echo: again"
        await communicator.send_to(text_data="any")
        assert await communicator.expect_text() == "echo: any"
        await communicator.send_to(bytes_data=b"\x00\x01")
        assert await communicator.expect_bytes(b"\x00\x01") == b"\x00\x01"
        await communicator.send_to(bytes_data=b"\x02")
        assert await communicator.expect_bytes() == b"\x02"
        await communicator.send_json_to({"op": "join", "user": "bob"})
        joined = await communicator.expect_json({"event": "joined", "user": "bob"})
        assert joined == {"event": "joined", "user": "bob", "online": 1}
        await communicator.send_json_to({"op": "say", "text": "hi all"})
        said = await communicator.expect_json({"event": "message", "id": int, "text": "hi all"})
        assert said["id"] == 1
        await communicator.send_to(text_data="/quit")
        closed = await communicator.expect_close(code=4000, reason="bye")
        assert closed == {"type": "websocket.close", "code": 4000, "reason": "bye"}
        assert (communicator.close_code, communicator.close_reason) == (4000, "bye")


async def test_expect_close_uses_the_spec_defaults():
    async def closer(scope, receive, send):
        await receive()
        await send({"type": "websocket.close"})

    async with WebsocketCommunicator(closer, "/") as communicator:
        assert await communicator.connect() == (False, 1000)
    async with WebsocketCommunicator(closer, "/") as communicator:
        await communicator.send_input({"type": "websocket.connect"})
        await communicator.expect_close(code=1000, reason="")
        assert communicator.close_code == 1000


async def test_expect_text_failure_on_a_binary_frame():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        await communicator.send_to(bytes_data=b"\x00")
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect_text("echo: hi")
        await communicator.disconnect()
    assert (
        str(excinfo.value)
        == """\
Message #3 from the app (websocket /chat/) does not match the pattern.
  pattern: {"type": "websocket.send", "text": "echo: hi"}
  message: {"type": "websocket.send", "bytes": b"\\x00"}
  at ["text"]: expected "echo: hi", got None (the key is absent; None is its ASGI default)"""
    )


async def test_expect_json_failure_shows_the_path_inside_the_json():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        await communicator.send_json_to({"op": "join", "user": "bob"})
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect_json({"event": "joined", "user": "alice"})
        await communicator.disconnect()
    assert (
        full_text(excinfo.value)
        == """\
Message #3 from the app (websocket /chat/) does not match the pattern.
  pattern: {"type": "websocket.send", "text": JSON matching {"event": "joined", "user": "alice"}}
  message: {"type": "websocket.send", "text": '{"event": "joined", "user": "bob", "online": 1}'}
  at ["text"] (as JSON) ["user"]: expected "alice", got "bob"
Transcript (4 messages; >> marks #3):
     #0   +0.000s test → app  "websocket.connect"
     #1   +0.000s app → test  "websocket.accept"
     #2   +0.000s test → app  "websocket.receive" text='{"op": "join", "user": "bob"}'
  >> #3   +0.000s app → test  "websocket.send" text='{"event": "joined", "user": "bob", "online": 1}'"""  # noqa: E501
    )


async def test_expect_json_on_text_that_is_not_json():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="hi")
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect_json()
        await communicator.disconnect()
    assert str(excinfo.value).splitlines()[-1] == (
        '  at ["text"]: expected JSON text, got "echo: hi" '
        "(Expecting value: line 1 column 1 (char 0))"
    )


async def test_expect_close_failure_when_the_app_sends_a_frame():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="hi")
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect_close(code=1000)
        await communicator.send_to(text_data="/quit")
        with pytest.raises(MessageMismatch) as excinfo2:
            await communicator.expect_close(code=1000)
    assert str(excinfo.value).splitlines()[-1] == (
        '  at ["type"]: expected "websocket.close", got "websocket.send"'
    )
    assert str(excinfo2.value).splitlines()[-1] == '  at ["code"]: expected 1000, got 4000'
    assert communicator.close_code == 4000  # recorded even though the code was not the one expected


# ---------------------------------------------------------------------- assert_messages()


async def chat_session():
    """A finished chat conversation: connect, one echo, one join, a quit."""
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        await communicator.send_to(text_data="hello")
        await communicator.receive_from()
        await communicator.send_json_to({"op": "join", "user": "bob"})
        await communicator.receive_json_from()
        await communicator.send_to(text_data="/quit")
        await communicator.expect_close()
    return communicator


CHAT = [
    "websocket.connect",
    "websocket.accept",
    {"type": "websocket.receive", "text": "hello"},
    {"type": "websocket.send", "text": "echo: hello"},
    {"type": "websocket.receive", "text": re.compile('"op": "join"')},
    {"type": "websocket.send", "text": ANY},
    {"type": "websocket.receive", "text": "/quit"},
    {"type": "websocket.close", "code": 4000},
]


async def test_assert_messages_exact_both_directions():
    communicator = await chat_session()
    matched = assert_messages(communicator.transcript, CHAT)
    assert len(matched) == 8
    assert matched[3] == {"type": "websocket.send", "text": "echo: hello"}
    assert_messages(communicator, CHAT)  # the communicator itself is accepted too


async def test_assert_messages_exact_failure_text():
    communicator = await chat_session()
    patterns = [*CHAT[:3], {"type": "websocket.send", "text": "echo: HELLO"}, *CHAT[4:]]
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(communicator.transcript, patterns)
    assert (
        full_text(excinfo.value)
        == """\
Message #3 (app → test) does not match patterns[3] (mode="exact").
  pattern: {"type": "websocket.send", "text": "echo: HELLO"}
  message #3 (app → test): {"type": "websocket.send", "text": "echo: hello"}
  at ["text"]: expected "echo: HELLO", got "echo: hello"
Transcript (8 messages; >> marks #3):
     #0   +0.000s test → app  "websocket.connect"
     #1   +0.000s app → test  "websocket.accept"
     #2   +0.000s test → app  "websocket.receive" text='hello'
  >> #3   +0.000s app → test  "websocket.send" text='echo: hello'
     #4   +0.000s test → app  "websocket.receive" text='{"op": "join", "user": "bob"}'
     #5   +0.000s app → test  "websocket.send" text='{"event": "joined", "user": "bob", "online": 1}'
     #6   +0.000s test → app  "websocket.receive" text='/quit'
     #7   +0.000s app → test  "websocket.close" code=4000 reason='bye'
                   the app returned"""  # noqa: E501
    )


async def test_assert_messages_exact_too_few_messages():
    communicator = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(communicator.transcript, [*CHAT, "websocket.disconnect"])
    text = full_text(excinfo.value)
    assert (
        text.split("\nTranscript")[0]
        == """\
Expected 9 messages, but there are 8: patterns[8] and later ones have none to match (mode="exact").
  pattern: {"type": "websocket.disconnect"}"""
    )
    assert "Transcript (8 messages):" in text  # nothing to mark: the whole tail is shown


async def test_assert_messages_exact_too_many_messages():
    communicator = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(communicator.transcript, CHAT[:6])
    text = full_text(excinfo.value)
    assert (
        text.split("\nTranscript")[0]
        == """\
Expected 6 messages, but there are 8: #6 (test → app) and later ones are left over (mode="exact").
  message #6 (test → app): {"type": "websocket.receive", "text": "/quit"}"""
    )
    assert "\n  >> #6   +0.000s test → app  \"websocket.receive\" text='/quit'\n" in text


async def test_assert_messages_one_direction():
    communicator = await chat_session()
    assert_messages(
        communicator.transcript,
        [
            "websocket.accept",
            {"type": "websocket.send", "text": "echo: hello"},
            {"type": "websocket.send", "text": re.compile("joined")},
            Pattern("websocket.close", code=4000, reason="bye"),
        ],
        direction="from_app",
    )
    assert_messages(
        communicator.transcript,
        ["websocket.connect", "websocket.receive", "websocket.receive", "websocket.receive"],
        direction="to_app",
    )
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(communicator.transcript, ["websocket.accept"] * 4, direction="to_app")
    assert str(excinfo.value).splitlines()[0] == (
        'Message #0 (test → app) does not match patterns[0] (mode="exact", direction="to_app").'
    )


async def test_assert_messages_in_order_allows_gaps():
    communicator = await chat_session()
    matched = assert_messages(
        communicator.transcript,
        [{"type": "websocket.send", "text": "echo: hello"}, "websocket.close"],
        mode="in_order",
    )
    assert [m["type"] for m in matched] == ["websocket.send", "websocket.close"]


async def test_assert_messages_in_order_failure_shows_the_closest_message():
    communicator = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(
            communicator.transcript,
            ["websocket.accept", {"type": "websocket.send", "text": "echo: bye"}],
            mode="in_order",
            direction="from_app",
        )
    assert (
        full_text(excinfo.value)
        == """\
No message from the app after #1 (app → test) matches patterns[1] (mode="in_order", direction="from_app").
  pattern: {"type": "websocket.send", "text": "echo: bye"}
  closest #3 (app → test): {"type": "websocket.send", "text": "echo: hello"}
  at ["text"]: expected "echo: bye", got "echo: hello"
Transcript (8 messages; >> marks #3):
     #0   +0.000s test → app  "websocket.connect"
     #1   +0.000s app → test  "websocket.accept"
     #2   +0.000s test → app  "websocket.receive" text='hello'
  >> #3   +0.000s app → test  "websocket.send" text='echo: hello'
     #4   +0.000s test → app  "websocket.receive" text='{"op": "join", "user": "bob"}'
     #5   +0.000s app → test  "websocket.send" text='{"event": "joined", "user": "bob", "online": 1}'
     #6   +0.000s test → app  "websocket.receive" text='/quit'
     #7   +0.000s app → test  "websocket.close" code=4000 reason='bye'
                   the app returned"""  # noqa: E501
    )


async def test_assert_messages_in_order_notices_patterns_out_of_order():
    communicator = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(
            communicator.transcript, ["websocket.close", "websocket.accept"], mode="in_order"
        )
    assert str(excinfo.value).splitlines()[0] == (
        'No message after #7 (app → test) matches patterns[1] (there are none) (mode="in_order"). '
        "It matches the earlier message #1 (app → test): are the patterns out of order?"
    )


async def test_assert_messages_any_order():
    communicator = await chat_session()
    matched = assert_messages(
        communicator.transcript,
        [
            "websocket.close",
            {"type": "websocket.send", "text": re.compile("joined")},
            "websocket.send",  # must take the other frame: the matching is not greedy
        ],
        mode="any_order",
    )
    assert [m.get("text") for m in matched] == [None, ANY, "echo: hello"]
    assert matched[1]["text"].startswith('{"event": "joined"')


async def test_assert_messages_any_order_failure():
    communicator = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(
            communicator.transcript,
            ["websocket.close", {"type": "websocket.send", "text": "echo: bye"}],
            mode="any_order",
            direction="from_app",
        )
    assert (
        str(excinfo.value)
        == """\
No message from the app matches patterns[1] (1 of 2 patterns matched; mode="any_order", direction="from_app").
  pattern: {"type": "websocket.send", "text": "echo: bye"}
  closest #3 (app → test): {"type": "websocket.send", "text": "echo: hello"}
  at ["text"]: expected "echo: bye", got "echo: hello\""""  # noqa: E501
    )


async def test_assert_messages_any_order_one_message_per_pattern():
    communicator = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(
            communicator.transcript, ["websocket.close", "websocket.close"], mode="any_order"
        )
    assert (
        str(excinfo.value)
        == """\
patterns[1] matches only #7 (app → test), which another pattern already matched (mode="any_order").
  pattern: {"type": "websocket.close"}"""
    )


async def test_assert_messages_on_an_sse_stream():
    async with HttpCommunicator(sse_app, "GET", "/events") as communicator:
        await communicator.get_response()
    assert_messages(communicator.transcript, ["http.request", *SSE_EVENTS])
    assert_messages(
        communicator.transcript,
        [{"type": "http.response.body", "body": re.compile(rb"^data: \d")}] * 3,
        mode="in_order",
    )


def test_assert_messages_on_a_plain_list():
    messages = [{"type": "a"}, {"type": "b"}]
    assert assert_messages(messages, ["a", "b"]) == messages
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(messages, ["a", "c"])
    assert (
        str(excinfo.value)
        == """\
Message #1 does not match patterns[1] (mode="exact").
  pattern: {"type": "c"}
  message #1: {"type": "b"}
  at ["type"]: expected "c", got "b\""""
    )
    assert not getattr(excinfo.value, "__notes__", None)


def test_assert_messages_rejects_bad_arguments():
    messages = [{"type": "a"}]
    with pytest.raises(
        ValueError, match=r"mode='strict'; valid modes: 'exact', 'in_order', 'any_order'"
    ):
        assert_messages(messages, ["a"], mode="strict")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"direction='app'; valid directions"):
        assert_messages(messages, ["a"], direction="app")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Wrap it in a list: assert_messages"):
        assert_messages(messages, "a")
    with pytest.raises(TypeError, match=r"takes a Transcript"):
        assert_messages(42, ["a"])
    from asgitest import UsageError

    with pytest.raises(UsageError, match="does not say who sent each one"):
        assert_messages(messages, ["a"], direction="from_app")


# ---------------------------------------------------------------------- traceback hiding


async def test_helpers_hide_their_frames():
    """pytest points at the test's line: every asgitest frame of the failure is hidden."""
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        await communicator.send_json_to({"op": "join", "user": "bob"})
        with pytest.raises(MessageMismatch) as excinfo:
            await communicator.expect_json({"user": "eve"})
        await communicator.disconnect()
    communicator_2 = await chat_session()
    with pytest.raises(MessageMismatch) as excinfo_2:
        assert_messages(communicator_2, ["websocket.accept"])
    for info in (excinfo, excinfo_2):
        frames = [
            entry.frame
            for entry in info.traceback
            if "/asgitest/" in str(entry.path).replace("\\", "/")
        ]
        assert frames, "the error should come from asgitest's helpers"
        for frame in frames:
            assert frame.f_locals.get("__tracebackhide__") is True, frame.code.name


# ---------------------------------------------------------------------- long conversations


async def test_long_transcript_is_shown_around_the_marked_message():
    async with WebsocketCommunicator(chat_app, "/chat/") as communicator:
        await communicator.connect()
        for n in range(30):
            await communicator.send_to(text_data=str(n))
            await communicator.expect_text(f"echo: {n}")
    patterns: list[object] = ["websocket.connect", "websocket.accept"]
    for n in range(30):
        patterns += [{"type": "websocket.receive", "text": str(n)}, "websocket.send"]
    patterns[30] = {"type": "websocket.receive", "text": "wrong"}
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(communicator, [*patterns, "websocket.disconnect"])
    note = full_text(excinfo.value).split("\nTranscript", 1)[1]
    lines = note.splitlines()
    assert lines[0] == " (63 messages; >> marks #30):"
    assert lines[1] == "  ... 16 earlier lines not shown"
    assert lines[16] == "  >> #30  +0.000s test → app  \"websocket.receive\" text='14'"
    assert lines[-1] == "  ... 28 later lines not shown"
    assert len(lines) == 1 + 1 + 20 + 1


async def test_payload_the_transcript_summarized_says_so():
    async def big(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"x" * 20_000})

    async with HttpCommunicator(big, "GET", "/big") as communicator:
        message = await communicator.expect_sequence(["http.response.start", "http.response.body"])
    assert message[1]["body"] == b"x" * 20_000  # expect() sees the real message
    assert_messages(communicator, ["http.request", "http.response.start", {"body": ANY}])
    with pytest.raises(MessageMismatch) as excinfo:
        assert_messages(communicator, ["http.request", "http.response.start", {"body": bytes}])
    assert str(excinfo.value).splitlines()[-1] == (
        '  at ["body"]: expected an instance of bytes, but the transcript kept only a summary of '
        "this payload, <20000 bytes: b'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxx'...>, as it is larger than its max_payload. Check it with expect() as it "
        "arrives, or match it with ANY here."
    )
