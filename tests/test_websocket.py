"""WebSocket beyond channels: close reasons, denial responses, subprotocols, many clients."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import anyio
import pytest

from asgitest import (
    ProtocolError,
    ProtocolWarning,
    UnexpectedMessage,
    WebsocketClosed,
    WebsocketCommunicator,
    WebsocketRejected,
)

pytestmark = pytest.mark.anyio

DENIAL = {"websocket.http.response": {}}


async def closes_with_reason(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    await send({"type": "websocket.close", "code": 4000, "reason": f"bye {message['text']}"})


async def rejects(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.close", "code": 4403, "reason": "no token"})


async def denies(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "websocket.http.response.start", "status": 401, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": b"log in", "more_body": True})
    await send({"type": "websocket.http.response.body", "body": b" first"})
    message = await receive()
    assert message["type"] == "websocket.disconnect"


class TestClose:
    async def test_receive_close_returns_code_and_reason(self) -> None:
        async with WebsocketCommunicator(closes_with_reason, "/") as communicator:
            await communicator.connect()
            await communicator.send_to(text_data="ada")
            assert await communicator.receive_close() == (4000, "bye ada")
            assert (communicator.close_code, communicator.close_reason) == (4000, "bye ada")

    async def test_assert_closed_checks_code_and_reason(self) -> None:
        async with WebsocketCommunicator(closes_with_reason, "/") as communicator:
            await communicator.connect()
            await communicator.send_to(text_data="ada")
            with pytest.raises(UnexpectedMessage, match="code 1000 expected, got 4000"):
                await communicator.assert_closed(1000)
            assert await communicator.assert_closed(4000, "bye ada") == (4000, "bye ada")

    async def test_receive_from_after_close_raises_with_code_and_reason(self) -> None:
        async with WebsocketCommunicator(closes_with_reason, "/") as communicator:
            await communicator.connect()
            await communicator.send_to(text_data="x")
            with pytest.raises(WebsocketClosed) as info:
                await communicator.receive_from()
            assert (info.value.code, info.value.reason) == (4000, "bye x")
            assert str(info.value) == "Expected type 'websocket.send', but was 'websocket.close'"

    async def test_receive_close_when_a_frame_arrives_instead(self) -> None:
        async def talks(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "hi"})
            await receive()

        async with WebsocketCommunicator(talks, "/") as communicator:
            await communicator.connect()
            with pytest.raises(UnexpectedMessage, match='Expected "websocket.close"'):
                await communicator.receive_close()

    @pytest.mark.parametrize(("spec_version", "expected"), [("2.4", None), ("2.5", "done")])
    async def test_disconnect_reason_only_from_2_5(
        self, spec_version: str, expected: str | None
    ) -> None:
        seen: list[Any] = []

        async def records(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            seen.append(await receive())

        communicator = WebsocketCommunicator(records, "/", spec_version=spec_version)
        async with communicator:
            await communicator.connect()
            await communicator.disconnect(4001, reason="done")
        assert seen[0]["code"] == 4001
        assert seen[0].get("reason") == expected


class TestReject:
    async def test_close_before_accept_keeps_the_channels_tuple(self) -> None:
        async with WebsocketCommunicator(rejects, "/") as communicator:
            assert await communicator.connect() == (False, 4403)
            assert communicator.close_reason == "no token"
            assert communicator.denial_response is None

    async def test_raise_on_reject(self) -> None:
        async with WebsocketCommunicator(rejects, "/private") as communicator:
            with pytest.raises(WebsocketRejected) as info:
                await communicator.connect(raise_on_reject=True)
        error = info.value
        assert (error.status, error.code, error.reason) == (403, 4403, "no token")
        assert "'/private'" in str(error)
        assert "403" in str(error)

    async def test_denial_response_when_advertised(self) -> None:
        communicator = WebsocketCommunicator(denies, "/", extensions=DENIAL)
        assert communicator.scope["extensions"] == DENIAL
        async with communicator:
            assert await communicator.connect() == (False, 401)
            response = communicator.denial_response
            assert response is not None
            assert response.status == 401
            assert response.headers["content-type"] == "text/plain"
            assert response.text == "log in first"
            await communicator.wait()

    async def test_denial_response_raise_on_reject(self) -> None:
        async with WebsocketCommunicator(denies, "/", extensions=DENIAL) as communicator:
            with pytest.raises(WebsocketRejected, match="HTTP 401") as info:
                await communicator.connect(raise_on_reject=True)
            assert info.value.response is not None
            assert info.value.response.body == b"log in first"

    async def test_denial_without_the_extension_says_how_to_enable_it(self) -> None:
        async with WebsocketCommunicator(denies, "/", strict="off") as communicator:
            with pytest.raises(UnexpectedMessage, match="websocket.http.response"):
                await communicator.connect()


class TestSubprotocols:
    @staticmethod
    def accepting(subprotocol: str | None) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept", "subprotocol": subprotocol})
            await receive()

        return app

    async def test_offered_subprotocol_is_returned(self) -> None:
        app = self.accepting("graphql-ws")
        communicator = WebsocketCommunicator(app, "/", subprotocols=["chat", "graphql-ws"])
        async with communicator:
            assert await communicator.connect() == (True, "graphql-ws")

    async def test_subprotocol_not_offered_is_an_error(self) -> None:
        app = self.accepting("graphql-ws")
        async with WebsocketCommunicator(app, "/", subprotocols=["chat"]) as communicator:
            with pytest.raises(ProtocolError, match="did not offer") as info:
                await communicator.connect()
            assert info.value.rule_id == "R77"

    async def test_subprotocol_not_offered_only_warns_when_strict_is_warn(self) -> None:
        app = self.accepting("graphql-ws")
        communicator = WebsocketCommunicator(app, "/", strict="warn")
        async with communicator:
            with pytest.warns(ProtocolWarning, match="did not offer"):
                assert await communicator.connect() == (True, "graphql-ws")

    async def test_binary_and_text_frames(self) -> None:
        async def echo(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("text") is not None:
                    await send({"type": "websocket.send", "text": message["text"]})
                else:
                    await send({"type": "websocket.send", "bytes": message["bytes"]})

        async with WebsocketCommunicator(echo, "/") as communicator:
            await communicator.connect()
            await communicator.send_to(bytes_data=b"\x00\xff")
            assert await communicator.receive_from() == b"\x00\xff"
            await communicator.send_to(text_data="é")
            assert await communicator.receive_from() == "é"


async def test_many_concurrent_clients_of_one_app() -> None:
    clients: set[Any] = set()
    broadcast = anyio.Event()

    async def room(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        clients.add(send)
        message = await receive()
        if message["type"] == "websocket.receive":
            for peer in list(clients):
                await peer({"type": "websocket.send", "text": message["text"]})
            broadcast.set()
            message = await receive()
        clients.discard(send)

    count = 50
    communicators = [WebsocketCommunicator(room, f"/room/{n}") for n in range(count)]
    results: list[Any] = []

    async def connect(communicator: WebsocketCommunicator) -> None:
        results.append(await communicator.connect())

    async with AsyncExitStack() as stack:
        for communicator in communicators:
            await stack.enter_async_context(communicator)
        async with anyio.create_task_group() as group:
            for communicator in communicators:
                group.start_soon(connect, communicator)
        assert results == [(True, None)] * count
        await communicators[0].send_to(text_data="hello all")
        for communicator in communicators:
            assert await communicator.receive_from() == "hello all"
        for communicator in communicators:
            await communicator.disconnect()
    assert broadcast.is_set()
    assert clients == set()
