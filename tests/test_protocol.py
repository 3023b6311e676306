"""The protocol layer (asgitest._protocol): request headers, the response's progress, and what
a connection's messages mean to the server asgitest plays."""

from __future__ import annotations

from typing import Any

import pytest

from asgitest import HttpCommunicator, InvalidArgument, TestApp
from asgitest._protocol import ResponseProgress, connection_for, request_headers, spec_version

pytestmark = pytest.mark.anyio


class TestRequestHeaders:
    def test_none_and_empty_are_no_headers(self) -> None:
        assert request_headers(None) == []
        assert request_headers([]) == []
        assert request_headers({}) == []

    def test_a_mapping_is_lower_cased_and_encoded(self) -> None:
        assert request_headers({"X-Token": "é", b"Accept": b"*/*"}) == [
            (b"x-token", "é".encode("latin-1")),
            (b"accept", b"*/*"),
        ]

    def test_bytes_pairs_are_the_very_list(self) -> None:
        headers = [[b"Foo", b"bar"], (b"x", b"y")]
        assert request_headers(headers) is headers

    def test_a_str_in_a_pair_is_encoded(self) -> None:
        assert request_headers([(b"a", b"1"), ("B", "2")]) == [(b"a", b"1"), (b"b", b"2")]

    @pytest.mark.parametrize(
        ("headers", "says"),
        [
            ([(b"x", 1)], "headers[0] has a header value of type int"),
            ([(b"x",)], "headers[0] is (b'x',), not a (name, value) pair"),
            ("x: 1", "is not a list of (name, value) pairs or a mapping"),
            (42, "is not a list of (name, value) pairs or a mapping"),
            ({b"x": None}, "headers[0] has a header value of type NoneType"),
        ],
    )
    def test_anything_else_is_refused_naming_the_argument(self, headers: Any, says: str) -> None:
        with pytest.raises(InvalidArgument, match="headers") as caught:
            request_headers(headers)
        assert says in str(caught.value)
        assert caught.value.argument == "headers"

    async def test_every_entry_point_normalises_the_same_way(self) -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError("not started")

        given = [("X-A", "1")]
        via_communicator = HttpCommunicator(app, "GET", "/", headers=given).scope["headers"]
        via_test_app = TestApp(app).http("GET", "/", headers=given).scope["headers"]
        assert via_communicator == via_test_app == [(b"x-a", b"1")]


class TestResponseProgress:
    def test_a_response_completes_at_its_last_body(self) -> None:
        progress = ResponseProgress({})
        assert not progress.feed({"type": "http.response.start", "status": 200})
        assert not progress.feed({"type": "http.response.body", "more_body": True})
        assert progress.feed({"type": "http.response.body"})

    def test_trailers_are_awaited_only_when_advertised(self) -> None:
        start = {"type": "http.response.start", "status": 200, "trailers": True}
        unadvertised = ResponseProgress({})
        unadvertised.feed(start)
        assert unadvertised.feed({"type": "http.response.body"})
        advertised = ResponseProgress({"http.response.trailers": {}})
        advertised.feed(start)
        assert not advertised.feed({"type": "http.response.body"})
        assert not advertised.feed({"type": "http.response.trailers", "more_trailers": True})
        assert advertised.feed({"type": "http.response.trailers"})

    def test_pathsend_ends_the_body(self) -> None:
        progress = ResponseProgress({})
        progress.feed({"type": "http.response.start", "status": 200})
        assert progress.feed({"type": "http.response.pathsend", "path": "/x"})

    async def test_the_engine_and_the_reader_agree_on_unadvertised_trailers(self) -> None:
        # The copies used to disagree: the engine waited for trailers the scope never
        # advertised, so the app's receive() never returned http.disconnect.
        seen: list[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "http.response.start", "status": 200, "trailers": True})
            await send({"type": "http.response.body", "body": b"ok"})
            seen.append((await receive())["type"])

        async with HttpCommunicator(app, "GET", "/", strict="off") as communicator:
            response = await communicator.get_response()
            await communicator.wait()
        assert response.body == b"ok"
        assert seen == ["http.disconnect"]


class TestConnections:
    def test_http_closes_the_input_when_the_response_is_complete(self) -> None:
        connection = connection_for({"type": "http"})
        assert connection is not None
        assert connection.sent({"type": "http.response.start", "status": 204}) is None
        assert connection.sent({"type": "http.response.body"}) == {"type": "http.disconnect"}
        assert connection.client_gone() == {"type": "http.disconnect"}

    def test_a_websocket_closes_with_the_apps_code(self) -> None:
        connection = connection_for({"type": "websocket"})
        assert connection is not None
        assert connection.sent({"type": "websocket.close", "code": 4001}) == {
            "type": "websocket.disconnect",
            "code": 4001,
        }
        assert connection.after_end == {"type": "websocket.disconnect", "code": 1006}

    def test_lifespan_and_unknown_scopes_have_none(self) -> None:
        assert connection_for({"type": "lifespan"}) is None
        assert connection_for({"type": "custom"}) is None
        assert connection_for(None) is None

    @pytest.mark.parametrize(
        ("scope", "version"),
        [
            ({"asgi": {"spec_version": "2.4"}}, (2, 4)),
            ({"spec_version": "2.3"}, (2, 3)),
            ({}, (2, 0)),
            ({"asgi": {"spec_version": "x"}}, (2, 0)),
        ],
    )
    def test_spec_version(self, scope: dict[str, Any], version: tuple[int, ...]) -> None:
        assert spec_version(scope) == version
