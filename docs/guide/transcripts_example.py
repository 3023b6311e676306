import pytest

from asgitest import HttpCommunicator, Timeout, WebsocketCommunicator

pytestmark = pytest.mark.anyio


async def greeter(scope, receive, send):
    """Accepts, greets once, then waits for frames it never answers."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "welcome"})
        elif message["type"] == "websocket.disconnect":
            return


# --8<-- [start:inspect]
async def test_the_transcript_has_every_message():
    async with WebsocketCommunicator(greeter, "/ws/") as communicator:
        await communicator.connect()
        assert await communicator.receive_from() == "welcome"
        await communicator.send_to(text_data="hi")
        transcript = communicator.transcript

        assert [m["type"] for m in transcript.sent_by_app()] == [
            "websocket.accept",
            "websocket.send",
        ]
        assert transcript.received_by_app()[-1] == {"type": "websocket.receive", "text": "hi"}
        entry = transcript[0]
        assert (entry.direction, entry.message, entry.index) == (
            "to_app",
            {"type": "websocket.connect"},
            0,
        )
        print(transcript.render())


# --8<-- [end:inspect]


# --8<-- [start:failure]
async def test_a_failure_carries_the_transcript():
    async with WebsocketCommunicator(greeter, "/ws/") as communicator:
        await communicator.connect()
        await communicator.receive_from()
        await communicator.send_to(text_data="anyone there?")
        with pytest.raises(Timeout) as caught:
            await communicator.receive_from(timeout=0.05)
    assert caught.value.transcript is communicator.transcript
    note = caught.value.__notes__[0]
    assert note.startswith("Transcript (4 messages):")
    assert "\"websocket.receive\" text='anyone there?'" in note


# --8<-- [end:failure]


# --8<-- [start:masking]
async def login(scope, receive, send):
    await receive()
    cookie = b"sessionid=8f2e1c0ffee; Path=/; HttpOnly"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"set-cookie", cookie)]})
    await send({"type": "http.response.body", "body": b"welcome"})


async def test_credentials_are_masked_when_shown():
    async with HttpCommunicator(login, "GET", "/login") as communicator:
        response = await communicator.get_response()

    # What the test compares is the real value...
    assert response["headers"] == [(b"set-cookie", b"sessionid=8f2e1c0ffee; Path=/; HttpOnly")]
    # ...what a report shows is its name and a fingerprint.
    shown = communicator.transcript.render()
    assert "8f2e1c0ffee" not in shown
    assert "sessionid=<masked sha256:865c08>; Path=/; HttpOnly" in shown
    print(shown)


# --8<-- [end:masking]
