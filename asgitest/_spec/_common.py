"""What the spec checkers share: describing values, the header checks of request, response
and WebSocket messages, the "unknown or wrong-protocol message" rules, and the spec version.

Imports only from below: the rule registry and reporter (``_rules``), the protocol layer, the
exceptions and the types.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from .._masking import is_masked, mask_headers, mask_value
from .._protocol import spec_version
from ._rules import Reporter

if TYPE_CHECKING:
    from .._errors import ProtocolError
    from .._types import Message, Scope

__all__ = [
    "ADDRESS",
    "BAD_VALUE",
    "LOWER_TOKEN",
    "TOKEN",
    "UPPER",
    "Where",
    "bad_message",
    "bytes_fix",
    "capture",
    "check_headers",
    "describe_header_value",
    "describe_value",
    "header_type_servers",
    "is_layer_event",
    "kind_of",
    "shape_servers",
    "show",
    "spec_version_of",
    "truthy",
    "unknown",
]

__tracebackhide__ = True

TOKEN: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z").match


BAD_VALUE: Final = re.compile(rb"[\r\n\x00]").search


UPPER: Final = re.compile(rb"[A-Z]").search


ADDRESS: Final = re.compile(r" object at 0x[0-9a-fA-F]+").sub


LOWER_TOKEN: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+\Z").match


class Where:
    """``"http.response.start" headers`` or ``scope headers``, built only when printed."""

    __slots__ = ("key", "message", "response")

    def __init__(self, message: Any, key: str, response: bool) -> None:
        self.message = message
        self.key = key
        self.response = response

    def __format__(self, spec: str) -> str:
        if self.response:
            return f'"{self.message.get("type")}" {self.key}'
        return f"scope {self.key}"


def describe_value(value: Any) -> str:
    """``str 'text/plain'``: the type and a short repr of a value, for messages."""
    text = ADDRESS(" object", repr(value))
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


_PROTOCOL_PREFIXES: Final = ("http.", "websocket.", "lifespan.")


def is_layer_event(kind: Any) -> bool:
    """Whether a message type the test delivers is a channel-layer event rather than a
    protocol event: a str outside the ``http.``, ``websocket.`` and ``lifespan.`` namespaces
    (``"chat.message"``). Channels hands such events to a consumer through the same
    ``receive()``, and tests inject them with ``send_input()``: they are not violations."""
    return type(kind) is str and bool(kind) and not kind.startswith(_PROTOCOL_PREFIXES)


def spec_version_of(scope: Scope) -> tuple[int, ...]:
    """The advertised protocol spec version (``asgi.spec_version``, channels' top-level key)."""
    return spec_version(scope)


def bytes_fix(value: Any) -> str:
    if isinstance(value, str):
        return f"send bytes: {value.encode('latin-1', 'replace')!r}"
    if isinstance(value, (bytearray, memoryview)):
        return f"convert it with bytes(...): {bytes(value)!r}"[:120]
    return "send bytes"


def kind_of(message: Any) -> str:
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) else "?"


def truthy(value: Any) -> bool:
    try:
        return bool(value)
    except Exception:
        return True


def header_type_servers(
    part: str, value: Any, key: str, context: str | bool, shown: str | None = None
) -> str:
    """What servers do with a header name or value that is not bytes, in an outgoing message
    (``context``: ``"response"``, ``"accept"``; falsy for request headers). ``shown``: the
    value as reports show it (masked for a credential header)."""
    if not context:
        return ""
    if shown is None:
        shown = describe_value(value)
    if context == "accept" and isinstance(value, str):
        return (
            f"an accept header {part} {shown}: uvicorn (wsproto) and hypercorn send it; uvicorn "
            "(websockets) AttributeError ('str' object has no attribute 'decode') and answers "
            "500; daphne drops accept headers"
        )
    if isinstance(value, bytearray | memoryview):
        return (
            f"a header {part} {shown}: uvicorn and hypercorn accept it; daphne checks for "
            "bytes and answers 500"
        )
    if isinstance(value, str):
        return (
            f"a {key} {part} {shown}: uvicorn (h11) sends it, uvicorn (httptools) drops the "
            "connection (TypeError: cannot use a bytes pattern on a string-like object), "
            f"hypercorn answers 500 (TypeError: string argument without an encoding), daphne "
            f"answers 500 (Header {part} ... expected to be `bytes`)"
        )
    return f"a {key} {part} {shown}: servers encode header {part}s as bytes and fail on it"


def describe_header_value(name: Any, value: Any) -> str:
    """:func:`describe_value` of a header value, masked when the header is a credential."""
    return describe_value(mask_value(name, value) if is_masked(name) else value)


def shape_servers(key: str, headers: Any, response: bool) -> str:
    if not response:
        return ""
    if isinstance(headers, dict):
        return (
            f"{key} as a dict: iterating it yields the names only, and uvicorn, hypercorn and "
            "daphne fail with 'too many values to unpack (expected 2)': uvicorn drops the "
            "connection, hypercorn and daphne answer 500"
        )
    if headers is None:
        return (
            f"{key}=None: uvicorn, hypercorn and daphne fail with TypeError: 'NoneType' object "
            "is not iterable: uvicorn drops the connection, hypercorn and daphne answer 500"
        )
    return f"{key}={describe_value(headers)}: servers iterate it as pairs and fail"


def check_headers(
    report: Reporter,
    headers: Any,
    message: Message,
    *,
    key: str = "headers",
    type_rule: str = "R40",
    case_rule: str = "R41",
    pseudo_rule: str = "R42",
    response: bool = True,
    context: str = "response",
) -> Sequence[Any]:
    """Check a headers iterable of an outgoing message; return the well-formed pairs
    (``headers`` itself when all of them are).

    ``response=False`` is for scope headers (request headers: lowercase is only "should").
    """
    __tracebackhide__ = True
    if type(headers) is list or type(headers) is tuple:
        # Fast path: well-formed lowercase headers, the common case, checked without the
        # bookkeeping below; anything else goes the slow way, which reports it.
        try:
            for name, value in headers:
                if (
                    type(name) is not bytes
                    or type(value) is not bytes
                    or not LOWER_TOKEN(name)
                    or BAD_VALUE(value)
                ):
                    break
            else:
                if not response or report.is_quiet("pedantic"):
                    return headers
        except (TypeError, ValueError):
            pass
    where = Where(message, key, response)
    offending = message if response else None
    pairs: list[tuple[bytes, bytes]] = []
    if isinstance(headers, (dict, str, bytes)) or not hasattr(headers, "__iter__"):
        example = (
            f"[(k, v) for k, v in {key}.items()]"
            if isinstance(headers, dict)
            else '[(b"content-type", b"text/plain")]'
        )
        what = (
            "a dict (iterating it yields only the names)"
            if isinstance(headers, dict)
            else (describe_value(headers))
        )
        report.fail(
            type_rule,
            f"{where} must be an iterable of [name, value] pairs, got {what}",
            offending=offending,
            field=key,
            fix=f"send a list of pairs, e.g. {example}",
            servers=shape_servers(key, headers, response),
        )
        return pairs
    if not isinstance(headers, (list, tuple)) and iter(headers) is headers:
        # A one-shot iterator (a generator): checking it would consume it, so keep its items
        # in a list, which is what the server (or the test) reads next.
        headers = list(headers)
        message[key] = headers
    tuples = isinstance(headers, tuple)
    for index, item in enumerate(headers):
        field = f"{key}[{index}]"
        try:
            name, value = item
        except (TypeError, ValueError):
            item = mask_headers([item])[0]  # a credential in a malformed pair stays hidden
            report.fail(
                type_rule,
                f"{where}[{index}] must be a [name, value] pair, got {describe_value(item)}",
                offending=offending,
                field=field,
                fix='each header is a 2-item list or tuple: [b"name", b"value"]',
                servers=f"{key} item {describe_value(item)}: uvicorn, hypercorn and daphne "
                "unpack every header as name, value and fail there (ValueError: too many or "
                "not enough values to unpack): uvicorn drops the connection, hypercorn and "
                "daphne answer 500",
            )
            continue
        tuples = tuples or isinstance(item, tuple)
        ok = True
        if type(name) is not bytes:
            ok = False
            report.fail(
                "R9" if isinstance(name, (bytearray, memoryview)) else type_rule,
                f"header name must be bytes, got {describe_value(name)} in {where}[{index}]",
                offending=offending,
                field=field,
                fix=bytes_fix(name),
                servers=header_type_servers("name", name, key, response and context),
            )
        if type(value) is not bytes:
            ok = False
            shown = describe_header_value(name, value)
            report.fail(
                "R9" if isinstance(value, (bytearray, memoryview)) else type_rule,
                f"header value must be bytes, got {shown} in {where}[{index}]",
                offending=offending,
                field=field,
                fix=bytes_fix(mask_value(name, value) if is_masked(name) else value),
                servers=header_type_servers("value", value, key, response and context, shown),
            )
        if not ok:
            continue
        if LOWER_TOKEN(name):
            pass  # the common case: a lowercase token
        elif name[:1] == b":":
            report.fail(
                pseudo_rule,
                f"pseudo-header {name!r} is not allowed in {where}[{index}]",
                offending=offending,
                field=field,
                fix="drop it (the server derives pseudo-headers itself)",
                servers=f"{key} name {name!r}: hypercorn raises ValueError('Pseudo headers are "
                "not valid'); h11 (uvicorn) refuses the name, which is not an HTTP token",
            )
        elif not TOKEN(name):
            report.fail(
                "R49" if response else type_rule,
                f"header name {name!r} is not a valid HTTP token in {where}[{index}]",
                offending=offending,
                field=field,
                fix="use letters, digits and !#$%&'*+-.^_`|~ only",
                servers=f"{key} name {name!r}: h11 (uvicorn's default, hypercorn) raises "
                "LocalProtocolError 'Illegal header name'; uvicorn (httptools) 'Invalid HTTP "
                "header name.'"
                if response
                else "",
            )
        elif UPPER(name):
            report.fail(
                case_rule,
                f"header name {name!r} is not lowercase in {where}[{index}]",
                offending=offending,
                field=field,
                fix=f"{name.lower()!r}",
                severity="pedantic",
                servers=f"no server enforces it: {key} name {name!r} is sent as given by "
                "uvicorn (h11) and hypercorn, lowercased by uvicorn (httptools), re-capitalised "
                "by daphne",
            )
        if BAD_VALUE(value):
            value_text = repr(mask_value(name, value) if is_masked(name) else value)
            report.fail(
                "R49" if response else type_rule,
                f"header value {value_text} contains CR, LF or NUL in {where}[{index}]",
                offending=offending,
                field=field,
                fix="strip the control characters (header injection)",
                servers=f"{key} value {value_text}: h11 (uvicorn's default, hypercorn) raises "
                "LocalProtocolError 'Illegal header value'; uvicorn (httptools) 'Invalid HTTP "
                "header value.'; daphne sends it with the CR/LF replaced by spaces"
                if response
                else "",
            )
        pairs.append((name, value))
    if tuples and response and not report.is_quiet("pedantic"):
        report.fail(
            "R8",
            f"{where} uses tuples; the spec asks for lists (tuples should be encoded as lists)",
            offending=offending,
            field=key,
            fix="send [[name, value], ...] (every server accepts tuples: pedantic only)",
            severity="pedantic",
            servers=f"{key} pairs as tuples: uvicorn, hypercorn and daphne accept them; only a "
            "server that serialises messages would not",
        )
    return pairs


def show(message: Any) -> str:
    from .._transcript import format_message

    return format_message(message)


def bad_message(report: Reporter, message: Any) -> None:
    __tracebackhide__ = True
    if not isinstance(message, dict):
        report.fail(
            "R6",
            f"the app sent {describe_value(message)}, not a dict",
            offending=message,
            field="type",
            fix='send a dict such as {"type": "http.response.start", ...}',
            servers=f"the app sent {describe_value(message)}: uvicorn and hypercorn fail inside "
            "send() reading message['type']; daphne fails its handler",
        )
    else:
        report.fail(
            "R6",
            "the app sent a message without a 'type' key",
            offending=message,
            field="type",
            fix='add "type"',
            servers="a message without 'type': uvicorn and hypercorn fail inside send() with "
            "KeyError: 'type'",
        )


def _wrong_protocol_servers(kind: str, protocol: str, lifespan_started: bool) -> str:
    if protocol == "http":
        return (
            f'"{kind}" in an http scope: uvicorn raises RuntimeError ("Expected ASGI message '
            f"'http.response.start', but got '{kind}'.\") and answers 500; hypercorn "
            f"UnexpectedMessageError; daphne ValueError 'Cannot handle message type {kind}!'"
        )
    if protocol == "websocket":
        return (
            f'"{kind}" in a websocket scope: uvicorn raises RuntimeError ("Expected ASGI '
            "message 'websocket.accept', 'websocket.close' or 'websocket.http.response.start' "
            f"but got '{kind}'.\") and answers 500; hypercorn UnexpectedMessageError and 500; "
            "daphne ignores it and the handshake hangs"
        )
    if not lifespan_started:
        return (
            f'"{kind}" on the lifespan scope before the startup completed: uvicorn (in its '
            "default --lifespan auto) logs 'ASGI lifespan protocol appears unsupported.' and "
            "hypercorn 'continuing without Lifespan support': both serve the app without "
            "lifespan (uvicorn --lifespan on exits)"
        )
    return (
        f'"{kind}" on the lifespan scope after the startup completed: uvicorn logs \'ASGI '
        "lifespan protocol appears unsupported.' and skips the shutdown; hypercorn logs "
        f"UnexpectedMessageError: {kind}"
    )


def unknown(
    report: Reporter,
    message: Message,
    kind: Any,
    protocol: str,
    expected: str,
    lifespan_started: bool = True,
) -> None:
    __tracebackhide__ = True
    if type(kind) is not str:
        report.fail(
            "R6",
            f"message type must be a str, got {describe_value(kind)}",
            offending=message,
            field="type",
            fix='"type": "..." as a str',
            servers=f"type {describe_value(kind)}: servers compare it with str message types "
            "and treat it as unknown",
        )
        return
    prefix = kind.split(".", 1)[0]
    if prefix != protocol:
        report.fail(
            "R7",
            f'"{kind}" is not a {protocol} message; in a {protocol} scope the app may send '
            f"{expected} now",
            offending=message,
            field="type",
            fix=f"send {protocol}.* messages in a {protocol} scope",
            servers=_wrong_protocol_servers(kind, protocol, lifespan_started),
            severity=None if lifespan_started else "pedantic",
        )
    else:
        report.fail(
            "R11",
            f'unknown message type "{kind}"; the server expected {expected}',
            offending=message,
            field="type",
            fix="check the spelling of the type",
            servers=f'"{kind}": uvicorn raises RuntimeError ("Expected ASGI message ..., but '
            f"got '{kind}'.\"); hypercorn UnexpectedMessageError ('Unexpected message type, "
            f"{kind} given the state ...')"
            + (
                f"; daphne ValueError 'Cannot handle message type {kind}!'"
                if protocol == "http"
                else ""
            ),
        )


def capture(report: Reporter, check: Any) -> ProtocolError | None:
    """Run an end-of-app check and return (not raise) the ProtocolError it produces."""
    from .._errors import ProtocolError

    try:
        check()
    except ProtocolError as error:
        return error
    return None
