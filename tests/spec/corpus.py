"""A corpus of small raw ASGI apps that each break one rule of the spec.

``Case.real_world`` names the entry of ASGI-RULES.md section L the app reproduces (V = HTTP,
W = WebSocket, L = lifespan). ``field`` is the key the error message must name.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field as dc_field
from typing import Any

ASGI = Callable[..., Any]

START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [[b"content-type", b"text/plain"]],
}
BODY = {"type": "http.response.body", "body": b"ok"}


def http_app(*messages: dict[str, Any], name: str = "app") -> ASGI:
    """An http app that reads the request, then sends ``messages`` in order."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        for message in messages:
            await send(message)

    app.__qualname__ = name
    app.messages = messages  # type: ignore[attr-defined]  # for the rules reference
    return app


def ws_app(*messages: dict[str, Any], wait_connect: bool = True) -> ASGI:
    """A websocket app that receives websocket.connect, then sends ``messages`` in order."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if wait_connect:
            await receive()
        for message in messages:
            await send(message)

    app.messages = messages  # type: ignore[attr-defined]
    return app


ACCEPT = {"type": "websocket.accept"}


@dataclass
class Case:
    id: str
    rule: str
    field: str
    app: ASGI
    severity: str = "error"
    real_world: str = ""
    scope: dict[str, Any] = dc_field(default_factory=dict)
    method: str = "GET"
    subprotocols: list[str] | None = None
    spec_version: str | None = None
    open_first: bool = True  # deliver websocket.connect / lifespan.startup before reading
    shutdown: bool = True  # lifespan: send lifespan.shutdown once startup completed


# ---------------------------------------------------------------------------- HTTP


async def return_without_response(scope: Any, receive: Any, send: Any) -> None:
    await receive()


async def return_with_body_pending(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send(START)
    await send({"type": "http.response.body", "body": b"part", "more_body": True})


async def return_after_start(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send(START)


async def return_before_trailers(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({**START, "trailers": True})
    await send({"type": "http.response.body", "body": b"x"})


async def send_non_dict(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send(["http.response.start", 200])


def _zerocopy_bytesio() -> ASGI:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send(START)
        await send({"type": "http.response.zerocopysend", "file": io.BytesIO(b"abc")})

    return app


TRAILERS = {"extensions": {"http.response.trailers": {}}}
PATHSEND = {"extensions": {"http.response.pathsend": {}}}
PUSH = {"extensions": {"http.response.push": {}}}
ZEROCOPY = {"extensions": {"http.response.zerocopysend": {}}}
HINTS = {"extensions": {"http.response.early_hint": {}}}
DEBUG = {"extensions": {"http.response.debug": {}}}

HTTP_CASES = [
    Case(
        "str-header-value",
        "R40",
        "headers[0]",
        http_app({**START, "headers": [(b"content-type", "text/plain")]}, BODY),
        real_world="V1",
    ),
    Case(
        "str-header-name",
        "R40",
        "headers[0]",
        http_app({**START, "headers": [("content-type", b"text/plain")]}, BODY),
        real_world="V2",
    ),
    Case(
        "dict-headers",
        "R40",
        "headers",
        http_app({**START, "headers": {b"content-type": b"text/plain"}}, BODY),
        real_world="V3",
    ),
    Case(
        "header-not-a-pair",
        "R40",
        "headers[0]",
        http_app({**START, "headers": [[b"a", b"b", b"c"]]}, BODY),
    ),
    Case("headers-none", "R40", "headers", http_app({**START, "headers": None}, BODY)),
    Case(
        "mixed-case-header",
        "R41",
        "headers[0]",
        http_app({**START, "headers": [[b"Content-Type", b"text/plain"]]}, BODY),
        severity="pedantic",
        real_world="V4",
    ),
    Case(
        "pseudo-header",
        "R42",
        "headers[0]",
        http_app({**START, "headers": [[b":status", b"200"]]}, BODY),
    ),
    Case(
        "crlf-in-header-value",
        "R49",
        "headers[0]",
        http_app({**START, "headers": [[b"x-a", b"a\r\nx-b: b"]]}, BODY),
        real_world="V5",
    ),
    Case(
        "space-in-header-name",
        "R49",
        "headers[0]",
        http_app({**START, "headers": [[b"x a", b"b"]]}, BODY),
    ),
    Case(
        "transfer-encoding-header",
        "R44",
        "headers",
        http_app({**START, "headers": [[b"transfer-encoding", b"chunked"]]}, BODY),
        severity="pedantic",
    ),
    Case(
        "tuple-headers",
        "R8",
        "headers",
        http_app({**START, "headers": [(b"content-type", b"text/plain")]}, BODY),
        severity="pedantic",
    ),
    Case(
        "str-body",
        "R45",
        "body",
        http_app(START, {"type": "http.response.body", "body": "ok"}),
        real_world="V6",
    ),
    Case(
        "bytearray-body",
        "R9",
        "body",
        http_app(START, {"type": "http.response.body", "body": bytearray(b"ok")}),
        real_world="V7",
    ),
    Case(
        "str-status", "R39", "status", http_app({**START, "status": "200"}, BODY), real_world="V8"
    ),
    Case("status-999", "R46", "status", http_app({**START, "status": 999}, BODY), real_world="V9"),
    Case("status-103-as-final", "R46", "status", http_app({**START, "status": 103}, BODY)),
    Case(
        "missing-status",
        "R39",
        "status",
        http_app({"type": "http.response.start", "headers": []}, BODY),
        real_world="V10",
    ),
    Case("body-before-start", "R52", "type", http_app(BODY), real_world="V11"),
    Case("two-starts", "R53", "type", http_app(START, START, BODY), real_world="V12"),
    Case("body-after-final-body", "R55", "type", http_app(START, BODY, BODY), real_world="V13"),
    Case("return-without-response", "R57", "type", return_without_response, real_world="V14"),
    Case(
        "return-with-more-body-pending",
        "R58",
        "more_body",
        return_with_body_pending,
        real_world="V15",
    ),
    Case("return-after-start-without-body", "R54", "more_body", return_after_start),
    Case(
        "unknown-http-type",
        "R11",
        "type",
        http_app({"type": "http.response.bogus"}),
        real_world="V18",
    ),
    Case(
        "websocket-type-in-http",
        "R7",
        "type",
        http_app({"type": "websocket.accept"}),
        real_world="V19",
    ),
    Case(
        "body-longer-than-content-length",
        "R50",
        "body",
        http_app({**START, "headers": [[b"content-length", b"1"]]}, BODY),
        real_world="V20",
    ),
    Case(
        "body-shorter-than-content-length",
        "R50",
        "body",
        http_app({**START, "headers": [[b"content-length", b"10"]]}, BODY),
        real_world="V21",
    ),
    Case(
        "bad-content-length",
        "R50",
        "headers",
        http_app({**START, "headers": [[b"content-length", b"abc"]]}, BODY),
    ),
    Case(
        "trailers-not-advertised",
        "R111",
        "trailers",
        http_app(
            {**START, "trailers": True}, BODY, {"type": "http.response.trailers", "headers": []}
        ),
        real_world="V22",
    ),
    Case(
        "more-body-str",
        "R45",
        "more_body",
        http_app(START, {"type": "http.response.body", "body": b"ok", "more_body": "no"}),
        real_world="V23",
    ),
    Case(
        "more-body-int",
        "R45",
        "more_body",
        http_app(START, {"type": "http.response.body", "body": b"ok", "more_body": 0}),
        severity="pedantic",
    ),
    Case(
        "pathsend-not-advertised",
        "R107",
        "type",
        http_app(START, {"type": "http.response.pathsend", "path": "/etc/hostname"}),
        real_world="V24",
    ),
    Case("message-not-a-dict", "R6", "type", send_non_dict),
    Case("message-without-type", "R6", "type", http_app({"status": 200})),
    Case(
        "trailers-str-flag",
        "R43",
        "trailers",
        http_app({**START, "trailers": "yes"}, BODY),
        scope=TRAILERS,
    ),
    Case(
        "trailers-without-announcing",
        "R110",
        "type",
        http_app(START, BODY, {"type": "http.response.trailers", "headers": []}),
        scope=TRAILERS,
    ),
    Case(
        "trailers-before-final-body",
        "R110",
        "type",
        http_app(
            {**START, "trailers": True},
            {"type": "http.response.body", "body": b"x", "more_body": True},
            {"type": "http.response.trailers", "headers": []},
        ),
        scope=TRAILERS,
    ),
    Case(
        "trailers-str-value",
        "R40",
        "headers[0]",
        http_app(
            {**START, "trailers": True},
            BODY,
            {"type": "http.response.trailers", "headers": [[b"x-checksum", "abc"]]},
        ),
        scope=TRAILERS,
    ),
    Case("return-before-trailers", "R56", "more_trailers", return_before_trailers, scope=TRAILERS),
    Case(
        "body-after-trailers",
        "R55",
        "type",
        http_app(
            {**START, "trailers": True},
            BODY,
            {"type": "http.response.trailers", "headers": []},
            BODY,
        ),
        scope=TRAILERS,
    ),
    Case(
        "pathsend-relative-path",
        "R107",
        "path",
        http_app(START, {"type": "http.response.pathsend", "path": "relative.txt"}),
        scope=PATHSEND,
    ),
    Case(
        "pathsend-mixed-with-body",
        "R107",
        "type",
        http_app(
            START,
            {"type": "http.response.body", "body": b"x", "more_body": True},
            {"type": "http.response.pathsend", "path": "/etc/hostname"},
        ),
        scope=PATHSEND,
    ),
    Case(
        "push-not-advertised",
        "R105",
        "type",
        http_app(START, {"type": "http.response.push", "path": "/a.css", "headers": []}, BODY),
    ),
    Case(
        "push-before-start",
        "R105",
        "type",
        http_app({"type": "http.response.push", "path": "/a.css", "headers": []}, START, BODY),
        scope=PUSH,
    ),
    Case(
        "push-bytes-path",
        "R105",
        "path",
        http_app(START, {"type": "http.response.push", "path": b"/a.css", "headers": []}, BODY),
        scope=PUSH,
    ),
    Case("zerocopysend-bytesio", "R106", "file", _zerocopy_bytesio(), scope=ZEROCOPY),
    Case("zerocopysend-not-advertised", "R106", "type", _zerocopy_bytesio()),
    Case(
        "early-hint-not-advertised",
        "R109",
        "type",
        http_app(
            {"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload"]}, START, BODY
        ),
    ),
    Case(
        "early-hint-str-links",
        "R109",
        "links[0]",
        http_app(
            {"type": "http.response.early_hint", "links": ["</a.css>; rel=preload"]}, START, BODY
        ),
        scope=HINTS,
    ),
    Case(
        "early-hint-after-start",
        "R109",
        "type",
        http_app(START, {"type": "http.response.early_hint", "links": [b"</a.css>"]}, BODY),
        scope=HINTS,
        severity="pedantic",
    ),
    Case(
        "debug-not-advertised",
        "R112",
        "type",
        http_app({"type": "http.response.debug", "info": {}}, START, BODY),
    ),
    Case(
        "debug-after-start",
        "R112",
        "type",
        http_app(START, {"type": "http.response.debug", "info": {}}, BODY),
        scope=DEBUG,
    ),
    Case("body-for-head", "R51", "body", http_app(START, BODY), method="HEAD", severity="pedantic"),
    Case(
        "str-body-for-head",
        "R45",
        "body",
        http_app(START, {"type": "http.response.body", "body": "ok"}),
        method="HEAD",
        severity="pedantic",  # servers drop a HEAD body unread (scripts/server-probe)
    ),
    Case(
        "body-for-204", "R51", "body", http_app({**START, "status": 204}, BODY), severity="pedantic"
    ),
]

# ---------------------------------------------------------------------------- WebSocket


async def ws_return_without_handshake(scope: Any, receive: Any, send: Any) -> None:
    await receive()


async def ws_denial_unfinished(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.http.response.start", "status": 401, "headers": []})
    await send({"type": "websocket.http.response.body", "body": b"no", "more_body": True})


DENIAL = {"extensions": {"websocket.http.response": {}}}

WS_CASES = [
    Case(
        "send-text-and-bytes",
        "R79",
        "text",
        ws_app(ACCEPT, {"type": "websocket.send", "text": "a", "bytes": b"b"}),
        real_world="W1",
    ),
    Case(
        "send-neither", "R79", "text", ws_app(ACCEPT, {"type": "websocket.send"}), real_world="W2"
    ),
    Case(
        "send-bytes-as-text",
        "R79",
        "text",
        ws_app(ACCEPT, {"type": "websocket.send", "text": b"hi"}),
        real_world="W3",
    ),
    Case(
        "send-str-as-bytes",
        "R79",
        "bytes",
        ws_app(ACCEPT, {"type": "websocket.send", "bytes": "hi"}),
    ),
    Case(
        "send-bytearray",
        "R9",
        "bytes",
        ws_app(ACCEPT, {"type": "websocket.send", "bytes": bytearray(b"hi")}),
    ),
    Case(
        "send-before-accept",
        "R84",
        "type",
        ws_app({"type": "websocket.send", "text": "hi"}),
        real_world="W4",
    ),
    Case(
        "send-after-close",
        "R89",
        "type",
        ws_app(ACCEPT, {"type": "websocket.close"}, {"type": "websocket.send", "text": "hi"}),
        real_world="W5",
    ),
    Case(
        "close-after-close",
        "R89",
        "type",
        ws_app(ACCEPT, {"type": "websocket.close"}, {"type": "websocket.close"}),
    ),
    Case("second-accept", "R88", "type", ws_app(ACCEPT, ACCEPT), real_world="W6"),
    Case(
        "close-before-accept-with-code",
        "R86",
        "code",
        ws_app({"type": "websocket.close", "code": 4001, "reason": "nope"}),
        severity="pedantic",
        real_world="W7",
    ),
    Case(
        "denial-not-advertised",
        "R103",
        "type",
        ws_app(
            {"type": "websocket.http.response.start", "status": 401, "headers": []},
            {"type": "websocket.http.response.body", "body": b"no"},
        ),
        real_world="W8",
    ),
    Case(
        "accept-str-header-value",
        "R76",
        "headers[0]",
        ws_app({"type": "websocket.accept", "headers": [[b"x-token", "abc"]]}),
        real_world="W9",
    ),
    Case(
        "accept-sec-websocket-protocol",
        "R76",
        "headers",
        ws_app({"type": "websocket.accept", "headers": [[b"sec-websocket-protocol", b"chat"]]}),
    ),
    Case(
        "subprotocol-not-offered",
        "R77",
        "subprotocol",
        ws_app({"type": "websocket.accept", "subprotocol": "notoffered"}),
        subprotocols=["chat"],
        real_world="W10",
    ),
    Case(
        "subprotocol-bytes",
        "R74",
        "subprotocol",
        ws_app({"type": "websocket.accept", "subprotocol": b"chat"}),
        subprotocols=["chat"],
    ),
    Case(
        "close-code-str",
        "R82",
        "code",
        ws_app(ACCEPT, {"type": "websocket.close", "code": "4000"}),
        real_world="W11",
    ),
    # Before accept the server answers 403 and never reads code or reason (scripts/server-probe).
    Case(
        "close-reason-list-before-accept",
        "R82",
        "reason",
        ws_app({"type": "websocket.close", "code": 1008, "reason": [{"loc": ["path", "id"]}]}),
        severity="pedantic",  # FastAPI's WebSocket validation error path
    ),
    Case(
        "close-reason-list-after-accept",
        "R82",
        "reason",
        ws_app(ACCEPT, {"type": "websocket.close", "code": 4000, "reason": [{"loc": ["id"]}]}),
    ),
    Case(
        "close-code-str-before-accept",
        "R82",
        "code",
        ws_app({"type": "websocket.close", "code": "4000"}),
        severity="pedantic",
    ),
    Case(
        "close-code-1006-before-accept",
        "R83",
        "code",
        ws_app({"type": "websocket.close", "code": 1006}),
        severity="pedantic",
    ),
    Case(
        "close-reason-too-long-before-accept",
        "R83",
        "reason",
        ws_app({"type": "websocket.close", "reason": "x" * 124}),
        severity="pedantic",
    ),
    Case(
        "close-reason-before-2-3",
        "R82",
        "reason",
        ws_app(ACCEPT, {"type": "websocket.close", "code": 4000, "reason": "bye"}),
        spec_version="2.2",
        severity="pedantic",
        real_world="W12",
    ),
    Case(
        "close-reason-bytes",
        "R82",
        "reason",
        ws_app(ACCEPT, {"type": "websocket.close", "reason": b"bye"}),
    ),
    Case(
        "close-code-1006", "R83", "code", ws_app(ACCEPT, {"type": "websocket.close", "code": 1006})
    ),
    Case(
        "close-reason-too-long",
        "R83",
        "reason",
        ws_app(ACCEPT, {"type": "websocket.close", "reason": "x" * 124}),
    ),
    Case("return-without-handshake", "R90", "type", ws_return_without_handshake, real_world="W14"),
    Case(
        "http-type-in-websocket",
        "R7",
        "type",
        ws_app({"type": "http.response.start", "status": 200}),
        real_world="W15",
    ),
    Case("unknown-websocket-type", "R11", "type", ws_app(ACCEPT, {"type": "websocket.bogus"})),
    Case(
        "accept-before-connect",
        "R73",
        "type",
        ws_app(ACCEPT, wait_connect=False),
        severity="pedantic",
        open_first=False,
    ),
    Case(
        "accept-headers-before-2-1",
        "R75",
        "headers",
        ws_app({"type": "websocket.accept", "headers": [[b"x-a", b"b"]]}),
        spec_version="2.0",
    ),
    Case(
        "denial-str-status",
        "R39",
        "status",
        ws_app({"type": "websocket.http.response.start", "status": "401", "headers": []}),
        scope=DENIAL,
    ),
    Case(
        "denial-body-without-start",
        "R103",
        "type",
        ws_app({"type": "websocket.http.response.body", "body": b"no"}),
        scope=DENIAL,
    ),
    Case(
        "denial-then-accept",
        "R103",
        "type",
        ws_app({"type": "websocket.http.response.start", "status": 401, "headers": []}, ACCEPT),
        scope=DENIAL,
    ),
    Case("denial-unfinished", "R103", "more_body", ws_denial_unfinished, scope=DENIAL),
    Case(
        "accept-mixed-case-header",
        "R76",
        "headers[0]",
        ws_app({"type": "websocket.accept", "headers": [[b"X-Token", b"a"]]}),
        severity="pedantic",
    ),
]

# ---------------------------------------------------------------------------- lifespan


async def complete_twice(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.startup.complete"})


async def complete_before_receive(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "lifespan.startup.complete"})


async def unknown_lifespan_type(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.done"})


async def shutdown_complete_during_startup(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def failed_with_bytes_message(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.failed", "message": b"db down"})


async def http_message_in_lifespan(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200})


async def http_message_after_startup(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "http.response.start", "status": 200})


async def ignores_lifespan(scope: Any, receive: Any, send: Any) -> None:
    return None  # the classic `if scope["type"] != "http": return`


async def returns_after_startup(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "lifespan.startup.complete"})


LIFESPAN_CASES = [
    Case("startup-complete-twice", "R97", "type", complete_twice, real_world="L4"),
    Case(
        "startup-complete-before-receive",
        "R97",
        "type",
        complete_before_receive,
        real_world="L4",
        open_first=False,
    ),
    Case("unknown-lifespan-type", "R97", "type", unknown_lifespan_type, real_world="L5"),
    Case("shutdown-complete-during-startup", "R97", "type", shutdown_complete_during_startup),
    Case("failed-message-bytes", "R95", "message", failed_with_bytes_message),
    # Before startup completed, servers take it as "lifespan unsupported" and serve without it.
    Case("http-message-in-lifespan", "R7", "type", http_message_in_lifespan, severity="pedantic"),
    Case("http-message-after-startup", "R7", "type", http_message_after_startup),
    Case("returns-without-answering", "R17", "type", ignores_lifespan, severity="pedantic"),
    Case(
        "returns-after-startup",
        "R96",
        "type",
        returns_after_startup,
        severity="pedantic",
        shutdown=False,
    ),
]
