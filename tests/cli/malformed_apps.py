"""Apps that send malformed messages, for the command line's output paths (tests/cli)."""

from __future__ import annotations

import json
import logging
from typing import Any

START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [[b"content-type", b"text/plain"]],
}
BODY = {"type": "http.response.body", "body": b"ok"}


def _http(*messages: Any) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"unsupported scope type {scope['type']!r}")
        await receive()
        for message in messages:
            await send(message)

    return app


def _ws(*messages: Any, accept: bool = True) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            raise ValueError(f"unsupported scope type {scope['type']!r}")
        await receive()
        if accept:
            await send({"type": "websocket.accept"})
        for message in messages:
            await send(message)
        while (await receive())["type"] != "websocket.disconnect":
            pass

    return app


# ----------------------------------------------------------------------------- HTTP
body_str = _http(START, {"type": "http.response.body", "body": "text, not bytes"})
body_none = _http(START, {"type": "http.response.body", "body": None})
body_int = _http(START, {"type": "http.response.body", "body": 5})
body_bytearray = _http(START, {"type": "http.response.body", "body": bytearray(b"bytearray")})
header_str_value = _http({**START, "headers": [(b"content-type", "text/plain")]}, BODY)
header_str_name = _http({**START, "headers": [("content-type", b"text/plain")]}, BODY)
headers_dict = _http({**START, "headers": {b"content-type": b"text/plain"}}, BODY)
headers_none = _http({**START, "headers": None}, BODY)
headers_int = _http({**START, "headers": 7}, BODY)
header_not_a_pair = _http({**START, "headers": [[b"a", b"b", b"c"]]}, BODY)
status_str = _http({**START, "status": "200"}, BODY)
status_missing = _http({"type": "http.response.start", "headers": []}, BODY)
status_999 = _http({**START, "status": 999}, BODY)
start_not_a_dict = _http(["http.response.start", 200])
start_without_type = _http({"status": 200})
body_not_a_dict = _http(START, "ok")
body_without_type = _http(START, {"body": b"ok"})
unknown_type = _http(START, {"type": "http.response.bogus"})
more_body_str = _http(START, {"type": "http.response.body", "body": b"ok", "more_body": "no"})
body_before_start = _http(BODY)

# ----------------------------------------------------------------------------- WebSocket
frame_text_bytes = _ws({"type": "websocket.send", "text": b"bytes in text"})
frame_both = _ws({"type": "websocket.send", "text": "a", "bytes": b"b"})
frame_neither = _ws({"type": "websocket.send"})
frame_not_a_dict = _ws(["websocket.send", "hi"])
frame_without_type = _ws({"text": "hi"})
close_code_str = _ws({"type": "websocket.close", "code": "4000"})
close_reason_list = _ws({"type": "websocket.close", "code": 4000, "reason": [{"loc": ["id"]}]})
close_code_none = _ws({"type": "websocket.close", "code": None})
reject_reason_list = _ws(
    {"type": "websocket.close", "code": 1008, "reason": [{"loc": ["path", "id"]}]}, accept=False
)
accept_not_a_dict = _ws(["websocket.accept"], accept=False)


async def accept_subprotocol_bytes(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        raise ValueError("websocket only")
    await receive()
    await send({"type": "websocket.accept", "subprotocol": b"chat"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


# ----------------------------------------------------------------------------- lifespan
async def startup_failed_bytes(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.failed", "message": b"db down"})


async def startup_answer_not_a_dict(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send("lifespan.startup.complete")


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


async def state_with_bad_repr(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "lifespan":
        raise ValueError("lifespan only")
    await receive()
    scope["state"]["thing"] = _BadRepr()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


# ----------------------------------------------------------------------------- check
async def json_echo(scope: Any, receive: Any, send: Any) -> None:
    """A JSON WebSocket consumer: it fails on a frame that is not JSON. Its HTTP side logs a
    warning for every unknown path, as Django's "Not Found: /path" does, and prints."""
    if scope["type"] == "lifespan":
        raise ValueError("no lifespan")
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            data = json.loads(message["text"])
            await send({"type": "websocket.send", "text": json.dumps({"echo": data})})
    await receive()
    if scope["path"] != "/":
        logging.getLogger("json_echo.request").warning("Not Found: %s", scope["path"])
        print("print() from the app")
        status = 404
    else:
        status = 200
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else b"ok"})


async def hangs(scope: Any, receive: Any, send: Any) -> None:
    import anyio

    if scope["type"] != "http":
        raise ValueError("http only")
    await receive()
    await anyio.sleep_forever()
