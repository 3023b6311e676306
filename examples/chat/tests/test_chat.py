"""The chat example, tested with asgitest's communicators: HTTP, the JSON API, WebSocket, SSE."""

from __future__ import annotations

import json
from typing import Any

import pytest

from asgitest import HttpCommunicator, WebsocketClosed, WebsocketCommunicator
from examples.chat.app import app

from .conftest import request

pytestmark = pytest.mark.anyio

JSON = [(b"content-type", b"application/json")]


def websocket(state: dict[str, Any], path: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(app, path, scope={"state": dict(state)})


class TestHttp:
    async def test_hello(self, state: dict[str, Any]) -> None:
        response = await request(state, "GET", "/")
        assert response.status == 200
        assert response.text == "Hello from the asgitest chat example!\n"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"

    async def test_unknown_path_is_404(self, state: dict[str, Any]) -> None:
        response = await request(state, "GET", "/nope")
        assert response.status == 404


class TestApi:
    async def test_posted_message_is_listed(self, state: dict[str, Any]) -> None:
        body = json.dumps({"user": "ann", "text": "hi"}).encode()
        created = await request(state, "POST", "/api/messages", body, JSON)
        assert created.status == 201
        assert created.json() == {"id": 1, "type": "message", "user": "ann", "text": "hi"}

        listed = await request(state, "GET", "/api/messages")
        assert listed.json() == {"room": "lobby", "messages": [created.json()]}

    async def test_body_that_is_not_json_is_400(self, state: dict[str, Any]) -> None:
        response = await request(state, "POST", "/api/messages", b"hello", JSON)
        assert response.status == 400
        assert response.json() == {"error": "the body must be JSON"}

    async def test_message_without_text_is_422(self, state: dict[str, Any]) -> None:
        response = await request(state, "POST", "/api/messages", b'{"user": "ann"}', JSON)
        assert response.status == 422

    async def test_stats_come_from_the_lifespan_state(self, state: dict[str, Any]) -> None:
        await request(state, "POST", "/api/messages", b'{"user": "a", "text": "b"}', JSON)
        async with websocket(state, "/ws/chat?user=bob") as bob:
            assert await bob.connect() == (True, None)
            stats = (await request(state, "GET", "/api/stats")).json()
            await bob.disconnect()
        assert stats["room"] == "lobby"
        assert stats["members"] == ["bob"]
        assert stats["messages"] == 1
        assert state["room"].users == []  # bob left when he disconnected


class TestChat:
    async def test_messages_are_broadcast_to_every_member(self, state: dict[str, Any]) -> None:
        async with (
            websocket(state, "/ws/chat?user=ann") as ann,
            websocket(state, "/ws/chat?user=bob") as bob,
        ):
            assert await ann.connect() == (True, None)
            assert await ann.receive_json_from() == {"id": 1, "type": "join", "user": "ann"}
            await bob.connect()
            assert await bob.receive_json_from() == {"id": 2, "type": "join", "user": "bob"}
            assert await ann.receive_json_from() == {"id": 2, "type": "join", "user": "bob"}

            await ann.send_to(text_data="hello, bob")
            expected = {"id": 3, "type": "message", "user": "ann", "text": "hello, bob"}
            assert await ann.receive_json_from() == expected
            assert await bob.receive_json_from() == expected

            await bob.disconnect()
            assert await ann.receive_json_from() == {"id": 4, "type": "leave", "user": "bob"}
            assert await ann.receive_nothing()
            await ann.disconnect()

    async def test_json_frames_carry_the_text(self, state: dict[str, Any]) -> None:
        async with websocket(state, "/ws/chat?user=ann") as ann:
            await ann.connect()
            await ann.receive_json_from()  # the join
            await ann.send_json_to({"text": "from JSON"})
            assert (await ann.receive_json_from())["text"] == "from JSON"
            await ann.disconnect()

    async def test_connecting_without_a_name_is_refused(self, state: dict[str, Any]) -> None:
        async with websocket(state, "/ws/chat") as anonymous:
            assert await anonymous.connect() == (False, 1008)
            assert anonymous.close_reason == "say who you are: /ws/chat?user=NAME"

    async def test_quit_closes_with_1000_bye(self, state: dict[str, Any]) -> None:
        async with websocket(state, "/ws/chat?user=ann") as ann:
            await ann.connect()
            await ann.receive_json_from()
            await ann.send_to(text_data="/quit")
            with pytest.raises(WebsocketClosed) as closed:
                await ann.receive_from()
            assert (closed.value.code, closed.value.reason) == (1000, "bye")
            await ann.wait()

    async def test_binary_frames_are_refused_with_1003(self, state: dict[str, Any]) -> None:
        async with websocket(state, "/ws/chat?user=ann") as ann:
            await ann.connect()
            await ann.receive_json_from()
            await ann.send_to(bytes_data=b"\x00")
            with pytest.raises(WebsocketClosed) as closed:
                await ann.receive_from()
            assert closed.value.code == 1003


class TestEvents:
    """/events streams forever: read what is needed, then leave, which disconnects."""

    async def test_stream_starts_with_hello_then_carries_room_events(
        self, state: dict[str, Any]
    ) -> None:
        async with HttpCommunicator(app, "GET", "/events", scope={"state": dict(state)}) as events:
            await events.send_input({"type": "http.request", "body": b""})
            start = await events.receive_output()
            assert start["status"] == 200
            assert dict(start["headers"])[b"content-type"] == b"text/event-stream; charset=utf-8"
            hello = await events.receive_output()
            assert hello["body"] == b'event: hello\ndata: {"room": "lobby", "members": []}\n\n'
            assert hello["more_body"] is True

            await request(state, "POST", "/api/messages", b'{"user": "ann", "text": "hi"}', JSON)
            message = await events.receive_output()
            assert message["body"].startswith(b"id: 1\nevent: message\ndata: ")
            # Leaving the block disconnects the client; the app must stop streaming and return.
        assert events.transcript.outcome == "the app returned"

    async def test_silence_is_filled_with_pings(self, state: dict[str, Any]) -> None:
        async with HttpCommunicator(
            app, "GET", "/events?ping=0.01", scope={"state": dict(state)}
        ) as events:
            await events.send_input({"type": "http.request", "body": b""})
            await events.receive_output()  # start
            await events.receive_output()  # hello
            assert (await events.receive_output())["body"] == b": ping\n\n"
