import json

import pytest

from asgitest import HttpCommunicator

pytestmark = pytest.mark.anyio


async def api(scope, receive, send):
    """Echoes the request back as JSON: method, path, query, headers, body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    payload = {
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
        "body": body.decode(),
    }
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"x-count", b"1")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


# --8<-- [start:basic]
async def test_post_json():
    body = json.dumps({"name": "Ann"}).encode()
    headers = [(b"content-type", b"application/json")]
    async with HttpCommunicator(api, "POST", "/users?page=2", body, headers) as communicator:
        response = await communicator.get_response()

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"  # str key: str value
    assert response.headers[b"x-count"] == b"1"  # bytes key: bytes value
    assert response.json()["query"] == "page=2"
    assert response.json()["body"] == '{"name": "Ann"}'
    # It is still the dict channels.testing returns:
    assert response["status"] == 200
    assert response["headers"] == [(b"content-type", b"application/json"), (b"x-count", b"1")]


# --8<-- [end:basic]


# --8<-- [start:bodies]
async def test_json_body():
    async with HttpCommunicator(api, "POST", "/users", json={"name": "Ann"}) as communicator:
        response = await communicator.get_response()
    sent = response.json()
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["headers"]["content-length"] == "14"
    assert sent["body"] == '{"name":"Ann"}'


async def test_form_body():
    form = {"name": "Ann", "tags": ["a", "b"]}  # a list repeats the field
    async with HttpCommunicator(api, "POST", "/users", data=form) as communicator:
        response = await communicator.get_response()
    sent = response.json()
    assert sent["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert sent["body"] == "name=Ann&tags=a&tags=b"


async def test_file_upload():
    files = {"upload": ("cv.txt", b"hello", "text/plain")}  # (filename, content, content type)
    async with HttpCommunicator(
        api, "POST", "/upload", data={"title": "cv"}, files=files
    ) as communicator:
        response = await communicator.get_response()
    sent = response.json()
    assert sent["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="upload"; filename="cv.txt"' in sent["body"]
    assert "Content-Type: text/plain\r\n\r\nhello\r\n" in sent["body"]


# --8<-- [end:bodies]


# --8<-- [start:chunked]
async def test_request_body_in_chunks():
    async with HttpCommunicator(api, "PUT", "/upload") as communicator:
        await communicator.send_input({"type": "http.request", "body": b"abc", "more_body": True})
        await communicator.send_input({"type": "http.request", "body": b"def"})
        communicator.sent_request = True  # get_response() must not send the (empty) body
        response = await communicator.get_response()
    assert response.json()["body"] == "abcdef"


# --8<-- [end:chunked]


async def countdown(scope, receive, send):
    """Streams three chunks, then waits for the client to go away."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for number in (b"3", b"2", b"1"):
        await send({"type": "http.response.body", "body": number, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
    assert await receive() == {"type": "http.disconnect"}


# --8<-- [start:streaming]
async def test_read_a_stream_chunk_by_chunk():
    async with HttpCommunicator(countdown, "GET", "/countdown") as communicator:
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output()
        assert start["status"] == 200
        chunks = []
        while True:
            message = await communicator.receive_output()
            chunks.append(message["body"])
            if not message.get("more_body"):
                break
        assert chunks == [b"3", b"2", b"1", b""]
        await communicator.wait()  # after the response, the app's receive() said http.disconnect


# --8<-- [end:streaming]


# --8<-- [start:scope]
async def test_the_scope_is_what_a_server_sends():
    communicator = HttpCommunicator(api, "GET", "/a%20b?x=1")
    assert communicator.scope == {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/a b",
        "query_string": b"x=1",
        "headers": [],
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "scheme": "http",
        "raw_path": b"/a%20b",
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


# --8<-- [end:scope]
