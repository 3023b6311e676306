import pytest

from asgitest import Timeout, WebsocketCommunicator

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
