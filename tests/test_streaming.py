"""Streaming responses, Server-Sent Events, client disconnects and HTTP extensions."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from asgitest import (
    HttpCommunicator,
    LeakedAppWarning,
    ServerSentEvent,
    StreamingResponse,
    Timeout,
    UnexpectedMessage,
    parse_sse,
)

pytestmark = pytest.mark.anyio


def make_sse_forever(log: list[Any]) -> Any:
    """An endless SSE endpoint that sends an event, then waits for either the next tick or
    a disconnect (as a well-behaved app does), and logs what it received."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        request = await receive()
        log.append(request["type"])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        number = 0
        while True:
            number += 1
            payload = f"id: {number}\nevent: tick\ndata: {number}\n\n".encode()
            await send({"type": "http.response.body", "body": payload, "more_body": True})
            with anyio.move_on_after(0.001):
                message = await receive()
                log.append(message["type"])
                return

    return app


async def chunked_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for part in (b"one ", b"two ", b"three"):
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


class TestStream:
    async def test_reads_three_events_of_an_endless_stream_then_app_sees_disconnect(self) -> None:
        log: list[Any] = []
        communicator = HttpCommunicator(make_sse_forever(log), "GET", "/events")
        async with communicator.stream() as response:
            assert isinstance(response, StreamingResponse)
            assert response.status == 200
            assert response.headers["content-type"] == "text/event-stream"
            events = []
            async for event in response.iter_events():
                events.append(event)
                if len(events) == 3:
                    break
        assert [e.data for e in events] == ["1", "2", "3"]
        assert events[0] == ServerSentEvent(data="1", event="tick", id="1")
        assert log == ["http.request", "http.disconnect"]
        assert communicator.transcript.outcome == "the app returned"

    async def test_iter_bytes_yields_chunks_as_sent(self) -> None:
        async with HttpCommunicator(chunked_app, "GET", "/").stream() as response:
            chunks = [chunk async for chunk in response.iter_bytes()]
            assert response.is_complete
        assert chunks == [b"one ", b"two ", b"three"]

    async def test_read_and_iter_lines(self) -> None:
        async with HttpCommunicator(chunked_app, "GET", "/").stream() as response:
            assert await response.read() == b"one two three"
            assert response.response.body == b"one two three"

        async def lines_app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            for part in (b"a\nb", b"\r\nc", b"\n"):
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await send({"type": "http.response.body", "body": b"tail"})

        async with HttpCommunicator(lines_app, "GET", "/").stream() as response:
            assert [line async for line in response.iter_lines()] == ["a", "b", "c", "tail"]

    async def test_start_is_available_before_any_body(self) -> None:
        gate = anyio.Event()

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 202})
            await gate.wait()
            await send({"type": "http.response.body", "body": b"late"})

        async with HttpCommunicator(app, "GET", "/") as communicator:
            response = await communicator.stream()
            assert response.status == 202
            gate.set()
            assert await response.read() == b"late"
            await response.aclose()

    async def test_each_read_is_bounded_by_the_timeout(self) -> None:
        async def stalls(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"first", "more_body": True})
            await anyio.sleep_forever()

        async def read_all() -> None:
            communicator = HttpCommunicator(stalls, "GET", "/slow", timeout=0.05)
            async with communicator.stream() as response:
                async for _chunk in response.iter_bytes():
                    pass

        with pytest.raises(Timeout) as info:
            await read_all()
        assert '"http.response.body"' in str(info.value)
        assert "GET /slow" in str(info.value)
        # The app ignores the disconnect that follows, but the test's own failure stays in
        # front: no LeakedAppWarning (an error under filterwarnings) is stacked on top.
        assert not any("Leaked" in note for note in getattr(info.value, "__notes__", []))

    async def test_text_decoded_with_charset(self) -> None:
        async def latin(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            headers = [(b"content-type", b"text/plain; charset=latin-1")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": "é".encode("latin-1")})

        async with HttpCommunicator(latin, "GET", "/").stream() as response:
            assert [text async for text in response.iter_text()] == ["é"]


class TestSSEParsing:
    def test_fields_multiline_data_comments_and_line_endings(self) -> None:
        text = (
            "\ufeff: comment\r\n"
            "data: line one\r\ndata: line two\r\n\r\n"
            'event: update\rid: 7\rretry: 1500\rdata:{"a": 1}\r\r'
            "data\n\n"
            "id: 8\n\n"
            "data: after id\n\n"
            "data: unterminated"
        )
        events = parse_sse(text)
        assert events == [
            ServerSentEvent(data="line one\nline two"),
            ServerSentEvent(data='{"a": 1}', event="update", id="7", retry=1500),
            ServerSentEvent(data="", event="message", id="7"),
            ServerSentEvent(data="after id", id="8"),
        ]
        assert events[1].json() == {"a": 1}

    def test_cr_at_the_end_of_a_chunk_dispatches_at_once(self) -> None:
        from asgitest._streaming import _SSEParser

        parser = _SSEParser()
        assert parser.feed("data: a\r\r") == [ServerSentEvent(data="a")]
        assert parser.feed("\ndata: b\r\n\r\n") == [ServerSentEvent(data="b")]

    def test_bare_cr_at_the_very_end_ends_the_event(self) -> None:
        assert parse_sse("data: a\r\r") == [ServerSentEvent(data="a")]

    def test_event_without_data_is_not_dispatched(self) -> None:
        assert parse_sse(b"event: ping\n\n") == []

    async def test_events_split_across_chunks_and_crlf_across_chunks(self) -> None:
        pieces = [b"da", b"ta: h\xc3", b"\xa9llo\r", b"\n\r", b"\ndata: 2\n", b"\n"]

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            for piece in pieces:
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body"})

        async with HttpCommunicator(app, "GET", "/").stream() as response:
            events = [event.data async for event in response.iter_events()]
        assert events == ["héllo", "2"]


class TestDisconnect:
    async def test_before_the_body_is_complete(self) -> None:
        seen: list[Any] = []

        async def upload(scope: Any, receive: Any, send: Any) -> None:
            while True:
                message = await receive()
                seen.append(message)
                if message["type"] == "http.disconnect":
                    return

        async with HttpCommunicator(upload, "POST", "/upload") as communicator:
            await communicator.send_body(b"part 1", more_body=True)
            assert await communicator.receive_nothing(0.01)
            assert await communicator.disconnect() == []
        assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]

    async def test_streamed_upload_stops_when_the_client_leaves(self) -> None:
        produced: list[int] = []

        def chunks() -> Any:
            for number in range(1000):
                produced.append(number)
                yield b"x" * 10

        received: list[Any] = []

        async def reads_three(scope: Any, receive: Any, send: Any) -> None:
            for _ in range(3):
                received.append(await receive())
            await send({"type": "http.response.start", "status": 413})
            await send({"type": "http.response.body", "body": b"too big"})

        async with HttpCommunicator(reads_three, "POST", "/", content=chunks()) as communicator:
            response = await communicator.get_response()
        assert response.status == 413
        assert len(produced) == 3  # lazily produced: only what the app read
        assert all(m["more_body"] for m in received)

    async def test_app_that_keeps_sending_is_recorded_before_2_4(self) -> None:
        async def ignores(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            message = await receive()
            assert message == {"type": "http.disconnect"}
            await send({"type": "http.response.body", "body": b"b", "more_body": True})

        async with HttpCommunicator(ignores, "GET", "/", spec_version="2.3") as communicator:
            async with communicator.stream() as response:
                assert await response.next_chunk() == b"a"
                after = await communicator.disconnect()
        assert after == [{"type": "http.response.body", "body": b"b", "more_body": True}]

    @pytest.mark.parametrize("spec_version", ["2.4", "2.5"])
    async def test_send_after_disconnect_raises_oserror_from_2_4(self, spec_version: str) -> None:
        caught: list[BaseException] = []

        async def streams(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            try:
                while True:
                    await send({"type": "http.response.body", "body": b".", "more_body": True})
                    await anyio.sleep(0.001)
            except OSError as exc:
                caught.append(exc)

        communicator = HttpCommunicator(streams, "GET", "/", spec_version=spec_version)
        assert communicator.scope["asgi"]["spec_version"] == spec_version
        async with communicator.stream() as response:
            assert await response.next_chunk() == b"."
        assert len(caught) == 1
        assert "ClientDisconnected" in communicator.transcript.render()

    async def test_app_ignoring_the_disconnect_is_cancelled_with_a_warning(self) -> None:
        async def deaf(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b".", "more_body": True})
            await anyio.sleep_forever()

        communicator = HttpCommunicator(deaf, "GET", "/", timeout=0.05)
        with pytest.warns(LeakedAppWarning, match="did not return after http.disconnect"):
            async with communicator.stream() as response:
                await response.next_chunk()
        assert communicator.transcript.outcome is not None
        assert "cancelled" in communicator.transcript.outcome

    async def test_app_exception_after_disconnect_is_raised(self) -> None:
        async def crashes(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b".", "more_body": True})
            await receive()
            raise RuntimeError("cleanup failed")

        with pytest.raises(RuntimeError, match="cleanup failed"):
            async with HttpCommunicator(crashes, "GET", "/").stream() as response:
                await response.next_chunk()


class TestExtensions:
    async def test_trailers_early_hints_and_pushes_when_advertised(self) -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            assert set(scope["extensions"]) == {
                "http.response.trailers",
                "http.response.early_hint",
                "http.response.push",
            }
            await receive()
            links = [b"</style.css>; rel=preload"]
            await send({"type": "http.response.early_hint", "links": links})
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"trailer", b"x-checksum")],
                    "trailers": True,
                }
            )
            await send({"type": "http.response.push", "path": "/style.css", "headers": []})
            await send({"type": "http.response.body", "body": b"hello"})
            await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"abc")]})

        communicator = HttpCommunicator(
            app,
            "GET",
            "/",
            extensions={
                "http.response.trailers": {},
                "http.response.early_hint": {},
                "http.response.push": {},
            },
        )
        async with communicator:
            response = await communicator.get_response()
        assert response == {
            "status": 200,
            "headers": [(b"trailer", b"x-checksum")],
            "body": b"hello",
            "trailers": True,
        }
        assert response.trailers["x-checksum"] == "abc"
        assert response.informational[0].status == 103
        assert response.informational[0].headers["link"] == "</style.css>; rel=preload"
        assert response.pushes[0].path == "/style.css"

    async def test_no_extensions_key_unless_asked(self) -> None:
        scopes: list[Any] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scopes.append(scope)
            await send({"type": "http.response.start", "status": 204})
            await send({"type": "http.response.body"})

        async with HttpCommunicator(app, "GET", "/") as communicator:
            await communicator.get_response()
        assert "extensions" not in scopes[0]

    async def test_unadvertised_extension_message_says_how_to_enable_it(self) -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200, "trailers": True})
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await send({"type": "http.response.trailers", "headers": []})

        with pytest.raises(UnexpectedMessage, match="extensions=\\{'http.response.trailers'"):
            async with HttpCommunicator(app, "GET", "/", strict="off") as communicator:
                await communicator.get_response()

    async def test_pathsend(self, tmp_path: Any) -> None:
        file = tmp_path / "data.json"
        file.write_text(json.dumps({"ok": True}))

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.pathsend", "path": str(file)})

        communicator = HttpCommunicator(app, "GET", "/", extensions={"http.response.pathsend": {}})
        async with communicator:
            response = await communicator.get_response()
        assert response.json() == {"ok": True}


class TestSSEProperty:
    """Splitting a stream anywhere never changes the events parsed from it."""

    @staticmethod
    def _split_events(text: str, cuts: list[int]) -> list[ServerSentEvent]:
        from asgitest._streaming import _SSEParser

        parser = _SSEParser()
        events: list[ServerSentEvent] = []
        last = 0
        for cut in sorted(cuts):
            events.extend(parser.feed(text[last:cut]))
            last = cut
        events.extend(parser.feed(text[last:]))
        events.extend(parser.feed("", final=True))
        return events

    def test_chunking_is_invisible(self) -> None:
        from hypothesis import given, settings, strategies as st

        line = st.one_of(
            st.builds(lambda v: f"data: {v}", st.text("ab: \u00e9", max_size=5)),
            st.builds(lambda v: f"event: {v}", st.text("xy", max_size=3)),
            st.builds(lambda v: f"id: {v}", st.text("12", max_size=2)),
            st.just(": comment"),
            st.just("retry: 10"),
            st.just(""),
        )
        ending = st.sampled_from(["\n", "\r", "\r\n"])
        stream = st.lists(st.tuples(line, ending), max_size=12).map(
            lambda pairs: "".join(a + b for a, b in pairs)
        )

        @settings(max_examples=200, deadline=None)
        @given(stream, st.lists(st.integers(0, 200), max_size=6))
        def check(text: str, cuts: list[int]) -> None:
            cuts = [c for c in cuts if c <= len(text)]
            assert self._split_events(text, cuts) == parse_sse(text)

        check()
