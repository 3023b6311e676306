"""Request bodies: query=, json=, data=, files=, content= and streamed chunks."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from asgitest import HttpCommunicator

pytestmark = pytest.mark.anyio


class Recorder:
    """A raw app that records its scope and every request message, then echoes the body."""

    def __init__(self) -> None:
        self.scope: Any = None
        self.messages: list[Any] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        body = b""
        while True:
            message = await receive()
            self.messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.scope["headers"] if k == name), None)


async def run(app: Recorder, *args: Any, **kwargs: Any) -> bytes:
    async with HttpCommunicator(app, *args, **kwargs) as communicator:
        response = await communicator.get_response()
    return response.body


async def test_channels_style_body_is_one_message_without_extra_headers() -> None:
    app = Recorder()
    assert await run(app, "POST", "/", b"raw", [(b"x-a", b"1")]) == b"raw"
    assert app.messages == [{"type": "http.request", "body": b"raw"}]
    assert app.scope["headers"] == [(b"x-a", b"1")]


async def test_query_merges_with_the_path_query() -> None:
    app = Recorder()
    await run(app, "GET", "/search?q=a", query={"page": 2, "tag": ["x", "y"], "flag": True})
    assert app.scope["query_string"] == b"q=a&page=2&tag=x&tag=y&flag=true"
    assert app.scope["path"] == "/search"

    app = Recorder()
    await run(app, "GET", "/", query=[("a", "1 2"), ("b", "é")])
    assert app.scope["query_string"] == b"a=1+2&b=%C3%A9"


async def test_json_body_and_headers() -> None:
    app = Recorder()
    body = await run(app, "POST", "/", json={"name": "Ada", "n": [1, 2]})
    assert json.loads(body) == {"name": "Ada", "n": [1, 2]}
    assert app.header(b"content-type") == b"application/json"
    assert app.header(b"content-length") == str(len(body)).encode()


async def test_user_content_type_is_kept() -> None:
    app = Recorder()
    await run(app, "POST", "/", headers={"Content-Type": "application/vnd.api+json"}, json=[1])
    assert app.header(b"content-type") == b"application/vnd.api+json"
    assert [k for k, _ in app.scope["headers"]].count(b"content-type") == 1


async def test_form_data() -> None:
    app = Recorder()
    body = await run(app, "POST", "/", data={"user": "ada lovelace", "roles": ["a", "b"]})
    assert body == b"user=ada+lovelace&roles=a&roles=b"
    assert app.header(b"content-type") == b"application/x-www-form-urlencoded"


async def test_multipart_files_parsed_by_python_multipart() -> None:
    from starlette.datastructures import Headers as StarletteHeaders
    from starlette.formparsers import MultiPartParser

    app = Recorder()
    body = await run(
        app,
        "POST",
        "/upload",
        data={"title": "report"},
        files={
            "doc": ("report.txt", b"hello file", "text/plain"),
            "raw": io.BytesIO(b"\x00\x01"),
        },
    )
    content_type = app.header(b"content-type")
    assert content_type is not None
    assert content_type.startswith(b"multipart/form-data; boundary=")

    async def stream() -> AsyncIterator[bytes]:
        yield body

    headers = StarletteHeaders(raw=app.scope["headers"])
    form = await MultiPartParser(headers, stream()).parse()
    assert form["title"] == "report"
    doc = form["doc"]
    assert doc.filename == "report.txt"  # type: ignore[union-attr]
    assert doc.content_type == "text/plain"  # type: ignore[union-attr]
    assert await doc.read() == b"hello file"  # type: ignore[union-attr]
    assert await form["raw"].read() == b"\x00\x01"  # type: ignore[union-attr]
    await form.close()


async def test_raw_content_bytes_and_str() -> None:
    app = Recorder()
    assert await run(app, "PUT", "/", content="héllo") == "héllo".encode()
    assert app.header(b"content-length") == b"6"
    assert len(app.messages) == 1


async def test_sync_iterable_is_sent_as_several_messages() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a"
        yield b""
        yield b"bc"

    app = Recorder()
    assert await run(app, "POST", "/", content=chunks()) == b"abc"
    assert app.messages == [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"bc", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]
    assert app.header(b"transfer-encoding") == b"chunked"
    assert app.header(b"content-length") is None


async def test_async_iterable_slow_upload() -> None:
    async def slow() -> AsyncIterator[bytes]:
        for part in (b"x", b"y", b"z"):
            await anyio.sleep(0.001)
            yield part

    app = Recorder()
    assert await run(app, "POST", "/", content=slow()) == b"xyz"
    assert [m["more_body"] for m in app.messages] == [True, True, True, False]


async def test_streamed_body_produces_chunks_only_as_the_app_reads() -> None:
    produced: list[int] = []

    def chunks() -> Iterator[bytes]:
        for number in range(5):
            produced.append(number)
            yield b"."

    app = Recorder()
    async with HttpCommunicator(app, "POST", "/", content=chunks()) as communicator:
        await communicator.send_request()
        assert produced == []  # nothing is produced before the app asks
        response = await communicator.get_response()
    assert response.body == b"....."
    assert produced == [0, 1, 2, 3, 4]


async def test_send_body_by_hand() -> None:
    app = Recorder()
    async with HttpCommunicator(app, "POST", "/") as communicator:
        await communicator.send_body(b"one ", more_body=True)
        await communicator.send_body(b"two")
        response = await communicator.get_response()
    assert response.body == b"one two"


def test_two_bodies_at_once_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="json and data were given"):
        HttpCommunicator(Recorder(), "POST", "/", json={}, data={"a": "b"})


def test_data_as_bytes_points_to_content() -> None:
    with pytest.raises(TypeError, match="use content="):
        HttpCommunicator(Recorder(), "POST", "/", data=b"raw")


async def test_streamed_chunk_of_wrong_type_fails_in_the_app() -> None:
    app = Recorder()
    with pytest.raises(TypeError, match="must yield bytes, but it yielded int"):
        await run(app, "POST", "/", content=iter([1, 2]))
