"""The WebSocket state machine and message rules (with the denial response extension and the
spec-version gates of accept headers and close reasons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .._errors import ProtocolError as ProtocolErrorType
from .._masking import mask_headers
from ._common import (
    bad_message,
    bytes_fix,
    capture,
    check_headers,
    describe_value,
    is_layer_event,
    show,
    spec_version_of,
    unknown,
)
from ._rules import Reporter

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._config import Strictness
    from .._errors import ProtocolError
    from .._transcript import Transcript
    from .._types import Message, Scope

__all__ = ["WebsocketChecker"]

WAIT_CONNECT: Final = 0  # websocket.connect not delivered yet
HANDSHAKE: Final = 1  # connect delivered, the app has not answered
CONNECTED: Final = 2
RESPONSE: Final = 3  # denial response started
CLOSED: Final = 4  # the app closed (or finished its denial response)

_DENIAL: Final = "websocket.http.response"
_VALID_CLOSE: Final = frozenset([*range(1000, 1004), *range(1007, 1015), *range(3000, 5000)])


class WebsocketChecker(Reporter):
    """Checks one WebSocket connection in both directions."""

    __slots__ = (
        "denial",
        "disconnected",
        "spec_version",
        "state",
        "subprotocols",
    )

    def __init__(
        self,
        scope: Scope,
        strict: Strictness,
        transcript: Transcript | None = None,
        on_finding: Callable[[ProtocolError], None] | None = None,
    ) -> None:
        # The checker is its own Reporter (one object per connection, not two).
        super().__init__(scope, strict, transcript, on_finding)
        extensions = scope.get("extensions")
        self.denial = isinstance(extensions, dict) and _DENIAL in extensions
        self.spec_version = spec_version_of(scope)
        offered = scope.get("subprotocols") or ()
        # A tuple: no list kept alive per connection (an empty one is shared). A malformed
        # value is reported by the scope check that follows.
        try:
            self.subprotocols = tuple(offered) if not isinstance(offered, (str, bytes)) else ()
        except TypeError:
            self.subprotocols = ()
        self.state = WAIT_CONNECT
        self.disconnected = False

    # ------------------------------------------------------------------ test → app

    def on_input(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "websocket.connect":
            if self.state != WAIT_CONNECT or self.disconnected:
                report.fail(
                    "R12",
                    'a second "websocket.connect": a server sends it once, first',
                    offending=message,
                    field="type",
                    fix="connect once per communicator",
                )
            elif self.state == WAIT_CONNECT:
                self.state = HANDSHAKE
            return
        if kind == "websocket.receive":
            if self.disconnected:
                report.fail(
                    "R12",
                    '"websocket.receive" after "websocket.disconnect": no frame arrives after the '
                    "client went away",
                    offending=message,
                    field="type",
                    fix="send frames before disconnecting",
                )
            elif self.state in (WAIT_CONNECT, HANDSHAKE, RESPONSE):
                report.fail(
                    "R85",
                    '"websocket.receive" delivered before the app accepted the connection; a '
                    "client cannot send frames before the handshake completes",
                    offending=message,
                    field="type",
                    fix="await communicator.connect() first and check that it was accepted",
                )
            text = message.get("text")
            data = message.get("bytes")
            if (text is None) == (data is None):
                report.fail(
                    "R78",
                    '"websocket.receive" needs exactly one of text or bytes, got '
                    + ("both" if text is not None else "neither"),
                    offending=message,
                    field="text",
                    fix="send_to(text_data=...) or send_to(bytes_data=...)",
                )
            elif text is not None and type(text) is not str:
                report.fail(
                    "R78",
                    f'"websocket.receive" text must be a str, got {describe_value(text)}',
                    offending=message,
                    field="text",
                    fix="use bytes= for binary frames",
                )
            elif data is not None and type(data) is not bytes:
                report.fail(
                    "R78",
                    f'"websocket.receive" bytes must be bytes, got {describe_value(data)}',
                    offending=message,
                    field="bytes",
                    fix=bytes_fix(data),
                )
            return
        if kind == "websocket.disconnect":
            code = message.get("code")
            if type(code) is not int:
                report.fail(
                    "R81",
                    f'"websocket.disconnect" code must be an int (1005 when the client sent '
                    f"none), got {describe_value(code)}",
                    offending=message,
                    field="code",
                    fix='{"type": "websocket.disconnect", "code": 1000}',
                )
            reason = message.get("reason")
            if reason is not None and type(reason) is not str:
                report.fail(
                    "R81",
                    f'"websocket.disconnect" reason must be a str, got {describe_value(reason)}',
                    offending=message,
                    field="reason",
                    fix='reason="..."',
                )
            self.disconnected = True
            return
        if is_layer_event(kind):
            return  # a channel-layer event (Channels delivers those through receive() too)
        report.fail(
            "R12",
            f"no server sends {show(message)} to a websocket application (it receives "
            '"websocket.connect", "websocket.receive" and "websocket.disconnect")',
            offending=message,
            field="type",
            fix="use connect(), send_to() and disconnect()",
        )

    def on_disconnect(self) -> None:
        self.disconnected = True

    # ------------------------------------------------------------------ app → test

    def on_send(self, message: Message) -> None:
        """Hot path: a well-formed ``websocket.send`` on an open socket is checked inline."""
        __tracebackhide__ = True
        if self.disconnected:
            return
        try:
            kind = message["type"]
        except (TypeError, KeyError, IndexError):
            bad_message(self, message)
            return
        if kind == "websocket.accept" and self.state == HANDSHAKE and len(message) == 1:
            self.state = CONNECTED  # a bare accept, answering websocket.connect
            return
        if kind == "websocket.send" and self.state == CONNECTED:
            text = message.get("text")
            if text is None:
                if type(message.get("bytes")) is bytes:
                    return
            elif type(text) is str and message.get("bytes") is None:
                return
            self._send(message)
            return
        handler = _WS_DISPATCH.get(kind)
        if handler is None:
            unknown(self, message, kind, "websocket", self._expected())
            return
        handler(self, message)

    def _expected(self) -> str:
        if self.state in (WAIT_CONNECT, HANDSHAKE):
            return '"websocket.accept", "websocket.close"' + (
                ' or "websocket.http.response.start"' if self.denial else ""
            )
        if self.state == CONNECTED:
            return '"websocket.send" or "websocket.close"'
        if self.state == RESPONSE:
            return '"websocket.http.response.body"'
        return "nothing (the app closed the connection)"

    def _closed(self, message: Message) -> bool:
        __tracebackhide__ = True
        if self.state == CLOSED:
            self.fail(
                "R89",
                f"{show(message)} sent after the app closed the connection",
                offending=message,
                field="type",
                fix="send nothing after websocket.close (return, or track that the socket is "
                "closed)",
                servers=f'"{_type(message)}" after "websocket.close": uvicorn raises '
                f"RuntimeError (\"Unexpected ASGI message '{_type(message)}', after sending "
                "'websocket.close'.\"); "
                "hypercorn UnexpectedMessageError (state CLOSED); daphne 'Attempt to send on a "
                "closed protocol'",
            )
            return True
        if self.state == RESPONSE:
            self.fail(
                "R103",
                f"{show(message)} sent during a denial response; only "
                '"websocket.http.response.body" may follow "websocket.http.response.start"',
                offending=message,
                field="type",
                fix="finish the denial response and return",
                servers=f'"{_type(message)}" during a denial response: the extension says '
                "these messages 'cannot be followed by any other websocket messages'",
            )
            return True
        return False

    def _before_connect(self, message: Message) -> None:
        __tracebackhide__ = True
        if self.state == WAIT_CONNECT:
            self.fail(
                "R73",
                f'{show(message)} sent before "websocket.connect" was received; await '
                "receive() first",
                offending=message,
                field="type",
                fix='message = await receive()  # {"type": "websocket.connect"}',
                severity="pedantic",
                servers=f'"{_type(message)}" before receiving "websocket.connect": servers '
                "have the connect event queued already, so the answer works",
            )
            self.state = HANDSHAKE

    def _accept(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if self._closed(message):
            return
        if self.state == CONNECTED:
            report.fail(
                "R88",
                'a second "websocket.accept": the connection is already accepted',
                offending=message,
                field="type",
                fix="accept once",
                servers='a second "websocket.accept": uvicorn raises RuntimeError ("Expected '
                "ASGI message 'websocket.send' or 'websocket.close', but got "
                "'websocket.accept'.\"); hypercorn UnexpectedMessageError; daphne AttributeError",
            )
            return
        self._before_connect(message)
        self.state = CONNECTED
        subprotocol = message.get("subprotocol")
        if subprotocol is not None:
            if type(subprotocol) is not str:
                report.fail(
                    "R74",
                    f'"websocket.accept" subprotocol must be a str or None, got '
                    f"{describe_value(subprotocol)}",
                    offending=message,
                    field="subprotocol",
                    fix='subprotocol="chat"',
                    servers=f"subprotocol {describe_value(subprotocol)}: the client offered str "
                    "names; uvicorn (wsproto) raises LocalProtocolError 'unexpected subprotocol', "
                    "uvicorn (websockets) sends it and the client fails the handshake, hypercorn "
                    "fails the handshake, daphne never answers it",
                )
            elif subprotocol not in self.subprotocols:
                report.fail(
                    "R77",
                    f'"websocket.accept" subprotocol {subprotocol!r}: the client did not offer '
                    f"it (scope subprotocols: {list(self.subprotocols)!r})",
                    offending=message,
                    field="subprotocol",
                    fix="pick one of scope['subprotocols'], or None",
                    servers=f"subprotocol {subprotocol!r}, not offered: uvicorn (wsproto) "
                    "LocalProtocolError 'unexpected subprotocol'; uvicorn (websockets) completes "
                    "the handshake and the client aborts ('unsupported subprotocol'); hypercorn "
                    "'Invalid Subprotocol'; daphne 'protocol accepted must be from the list "
                    "client sent or None'",
                )
        headers = message.get("headers")
        if headers is None or headers == []:
            return
        if self.spec_version < (2, 1):
            version = ".".join(map(str, self.spec_version))
            report.fail(
                "R75",
                f'"websocket.accept" headers sent, but the server advertises spec_version '
                f"{version}; headers need 2.1 or later",
                offending=message,
                field="headers",
                fix="send headers only when scope['asgi'].get('spec_version', '2.0') >= '2.1'",
                servers=f"headers {describe_value(mask_headers(headers))} with spec_version "
                f"{version}: a "
                "server that implements only 2.0 drops them (daphne drops accept headers)",
            )
        pairs = check_headers(
            report,
            headers,
            message,
            type_rule="R76",
            case_rule="R76",
            pseudo_rule="R76",
            context="accept",
        )
        for name, _ in pairs:
            if name.lower() == b"sec-websocket-protocol":
                report.fail(
                    "R76",
                    '"websocket.accept" headers must not include sec-websocket-protocol',
                    offending=message,
                    field="headers",
                    fix="use the subprotocol key",
                    servers=f"headers {name!r}: the server sets that header itself from "
                    "subprotocol; the spec says accept headers 'must not include' it",
                )

    def _close(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if self._closed(message):
            return
        accepted = self.state == CONNECTED
        code = message.get("code", 1000)
        reason = message.get("reason")
        if code is None:
            code = 1000  # channels' consumers send code=None; every server reads it as 1000
        if type(code) is not int:
            report.fail(
                "R82",
                f'"websocket.close" code must be an int, got {describe_value(code)}',
                offending=message,
                field="code",
                fix=(
                    f"code={int(code)}" if isinstance(code, str) and code.isdigit() else "code=1000"
                ),
                servers=_close_servers("code", code, accepted),
                severity=None if accepted else "pedantic",
            )
        elif code not in _VALID_CLOSE:
            report.fail(
                "R83",
                f'"websocket.close" code {code} is not a valid close code to send',
                offending=message,
                field="code",
                fix="use 1000-1003, 1007-1014 or an application code 3000-4999",
                servers=_close_servers("code-range", code, accepted),
                severity=None if accepted else "pedantic",
            )
        if reason is not None:
            if type(reason) is not str:
                report.fail(
                    "R82",
                    f'"websocket.close" reason must be a str, got {describe_value(reason)}',
                    offending=message,
                    field="reason",
                    fix='reason="..."',
                    servers=_close_servers("reason", reason, accepted),
                    severity=None if accepted else "pedantic",
                )
            elif len(reason.encode("utf-8", "replace")) > 123:
                report.fail(
                    "R83",
                    f'"websocket.close" reason is {len(reason.encode("utf-8", "replace"))} bytes '
                    "of UTF-8; a close frame allows 123",
                    offending=message,
                    field="reason",
                    fix="shorten the reason",
                    servers=_close_servers("reason-length", reason, accepted),
                    severity=None if accepted else "pedantic",
                )
            elif reason and self.spec_version < (2, 3):
                version = ".".join(map(str, self.spec_version))
                report.fail(
                    "R82",
                    f'"websocket.close" reason sent, but the server advertises spec_version '
                    f"{version}; the reason needs 2.3 or later and will be dropped",
                    offending=message,
                    field="reason",
                    fix="expect no reason on servers older than 2.3 (daphne)",
                    severity="pedantic",
                    servers=f"reason {reason!r} with spec_version {version}: a server older than "
                    "2.3 drops it (daphne sends no reason)",
                )
        if self.state in (WAIT_CONNECT, HANDSHAKE):
            self._before_connect(message)
            if (code != 1000 and code is not None) or reason:
                report.fail(
                    "R86",
                    f'"websocket.close" before accept rejects the handshake with HTTP 403: the '
                    f"client never sees code {code!r}"
                    + (f" or reason {reason!r}" if reason else ""),
                    offending=message,
                    field="code",
                    fix="accept first and then close with the code, or use the denial response "
                    "extension",
                    severity="pedantic",
                    servers=f"close before accept with code {code!r}"
                    + (f" and reason {reason!r}" if reason else "")
                    + ": uvicorn, hypercorn and daphne answer the handshake with HTTP 403 and "
                    "never read them (browsers may report 1006)",
                )
        self.state = CLOSED

    def _send(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if self._closed(message):
            return
        if self.state != CONNECTED:
            report.fail(
                "R84",
                '"websocket.send" before the connection was accepted',
                offending=message,
                field="type",
                fix='send {"type": "websocket.accept"} first',
                servers='"websocket.send" before accept: uvicorn raises RuntimeError ("Expected '
                "ASGI message 'websocket.accept', 'websocket.close' or "
                "'websocket.http.response.start' but got 'websocket.send'.\") and answers 500; "
                "hypercorn UnexpectedMessageError and 500; daphne 'Socket has not been "
                "accepted, so cannot send over it' and 500",
            )
        text = message.get("text")
        data = message.get("bytes")
        if text is not None and data is not None:
            report.fail(
                "R79",
                '"websocket.send" has both text and bytes; exactly one must be non-None',
                offending=message,
                field="text",
                fix="send two messages, or drop one key",
                servers=f"both text {describe_value(text)} and bytes {describe_value(data)}: "
                "uvicorn (both stacks) and hypercorn send the bytes frame only; daphne raises "
                "'contains both bytes and text keys' and closes with 1011",
            )
        elif text is None and data is None:
            report.fail(
                "R79",
                '"websocket.send" has neither text nor bytes; exactly one must be non-None',
                offending=message,
                field="text",
                fix='{"type": "websocket.send", "text": "..."}',
                servers="neither text nor bytes: uvicorn (wsproto) TypeError 'Must provide bytes "
                "or text', uvicorn (websockets) TypeError; hypercorn KeyError: 'text' and 1011; "
                "daphne sends nothing",
            )
        elif text is not None and type(text) is not str:
            report.fail(
                "R79",
                f'"websocket.send" text must be a str, got {describe_value(text)}',
                offending=message,
                field="text",
                fix="use bytes= for a binary frame, or decode the text",
                servers=f"text {describe_value(text)}: uvicorn sends a binary frame; hypercorn "
                f"TypeError ({text!r} should be a str) and 1011; daphne AttributeError and 1011",
            )
        elif data is not None and type(data) is not bytes:
            report.fail(
                "R9" if isinstance(data, (bytearray, memoryview)) else "R79",
                f'"websocket.send" bytes must be bytes, got {describe_value(data)}',
                offending=message,
                field="bytes",
                fix=bytes_fix(data) if not isinstance(data, str) else "use text= for a str",
                servers=_send_bytes_servers(data),
            )

    def _gate(self, message: Message) -> bool:
        __tracebackhide__ = True
        if self.denial:
            return True
        self.fail(
            "R103",
            f'{show(message)} sent, but the scope does not advertise the "{_DENIAL}" extension',
            offending=message,
            field="type",
            fix=f'send it only when "{_DENIAL}" in scope.get("extensions", {{}}); otherwise '
            "reject with websocket.close (HTTP 403)",
            servers=f'"{_type(message)}" without the extension: daphne, which does not '
            "implement it, never answers the handshake; uvicorn and hypercorn advertise it",
        )
        return False

    def _denial_start(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message) or self._closed(message):
            return
        if self.state == CONNECTED:
            report.fail(
                "R88",
                '"websocket.http.response.start" after the connection was accepted',
                offending=message,
                field="type",
                fix="a denial response replaces websocket.accept",
                servers='"websocket.http.response.start" after accept: uvicorn raises '
                "RuntimeError (\"Expected ASGI message 'websocket.send' or 'websocket.close', "
                "but got 'websocket.http.response.start'.\"); hypercorn UnexpectedMessageError",
            )
            return
        self._before_connect(message)
        self.state = RESPONSE
        status = message.get("status")
        if type(status) is not int:
            report.fail(
                "R39",
                f'"websocket.http.response.start" status must be an int, got '
                f"{describe_value(status)}",
                offending=message,
                field="status",
                fix="status=403",
                servers=f"status {describe_value(status)} in a denial response: uvicorn (both "
                "stacks) and hypercorn fail on it and answer 500 instead (TypeError / ValueError: "
                f"{status!r} is not a valid HTTPStatus); daphne has no denial response",
            )
        elif not 200 <= status <= 599:
            report.fail(
                "R46",
                f'"websocket.http.response.start" status {status} is not a final HTTP status',
                offending=message,
                field="status",
                fix="use 400-599 for a denial",
                servers=f"status {status} in a denial response: servers send it as the HTTP "
                "status line of the handshake response",
            )
        headers = message.get("headers", [])
        if headers != []:
            check_headers(report, headers, message)

    def _denial_body(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message):
            return
        if self.state != RESPONSE:
            if self.state == CLOSED:
                self._closed(message)
                return
            report.fail(
                "R103",
                '"websocket.http.response.body" sent before "websocket.http.response.start"',
                offending=message,
                field="type",
                fix="send websocket.http.response.start first",
                servers='"websocket.http.response.body" before the start: uvicorn raises '
                "RuntimeError (\"Expected ASGI message 'websocket.accept', 'websocket.close' or "
                "'websocket.http.response.start' but got 'websocket.http.response.body'.\") and "
                "answers 500; hypercorn UnexpectedMessageError",
            )
            return
        body = message.get("body", b"")
        if type(body) is not bytes:
            report.fail(
                "R9" if isinstance(body, (bytearray, memoryview)) else "R45",
                f'"websocket.http.response.body" body must be bytes, got {describe_value(body)}',
                offending=message,
                field="body",
                fix=bytes_fix(body),
                servers=f"body {describe_value(body)} of a denial response: servers write it to "
                "the socket as bytes",
            )
        more = message.get("more_body", False)
        if more is not True and more is not False:
            report.fail(
                "R45",
                f'"websocket.http.response.body" more_body must be a bool, got '
                f"{describe_value(more)}",
                offending=message,
                field="more_body",
                fix="True or False",
                severity="error" if isinstance(more, str) else "pedantic",
                servers=f"more_body {describe_value(more)}: servers test its truthiness",
            )
        if not more:
            self.state = CLOSED

    # ------------------------------------------------------------------ the end

    def on_exit(self, exc: BaseException | None) -> ProtocolError | None:
        __tracebackhide__ = True
        if isinstance(exc, ProtocolErrorType):
            return None  # our own finding, raised into the app and out again
        if exc is not None:
            if self.state == CONNECTED and not self.disconnected:
                exc.add_note(
                    "asgitest (R91): the app raised after accepting the WebSocket: uvicorn drops "
                    "the connection without a close frame (the client sees 1006); hypercorn and "
                    "daphne close with 1011."
                )
            elif self.state in (WAIT_CONNECT, HANDSHAKE) and not self.disconnected:
                exc.add_note(
                    "asgitest (R91): the app raised before answering the handshake: a real "
                    "server answers HTTP 500."
                )
            return None
        if self.disconnected:
            return None
        if self.state in (WAIT_CONNECT, HANDSHAKE):
            return capture(self, self._exit_no_handshake)
        if self.state == RESPONSE:
            return capture(self, self._exit_denial)
        return None

    def _exit_no_handshake(self) -> None:
        __tracebackhide__ = True
        self.fail(
            "R90",
            'the app returned without answering the handshake (no "websocket.accept" or '
            '"websocket.close")',
            field="type",
            fix='accept or close on every path; to reject, send {"type": "websocket.close"}',
            servers="the app returned without answering the handshake: uvicorn logs 'ASGI "
            "callable returned without completing handshake.' and answers 500; hypercorn "
            "answers 500; daphne never answers the handshake",
        )

    def _exit_denial(self) -> None:
        __tracebackhide__ = True
        self.fail(
            "R103",
            "the app returned without finishing its denial response (the last "
            '"websocket.http.response.body" had more_body=True, or none was sent)',
            field="more_body",
            fix="finish with more_body=False",
            servers="the app returned before the last denial body (more_body=False): the "
            "server waits for it and the response never ends",
        )


def _type(message: Any) -> str:
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) else "?"


def _send_bytes_servers(data: Any) -> str:
    shown = describe_value(data)
    if isinstance(data, str):
        return (
            f"bytes {shown}: uvicorn (both stacks) sends it as a text frame; hypercorn "
            'TypeError (string argument without an encoding) and 1011; daphne \'"payload" '
            "must have type bytes' and 1011"
        )
    if isinstance(data, bytearray | memoryview):
        return (
            f'bytes {shown}: uvicorn and hypercorn send the frame; daphne \'"payload" must '
            "have type bytes' and 1011"
        )
    return f"bytes {shown}: servers send bytes frames only"


def _close_servers(what: str, value: Any, accepted: bool) -> str:
    """What servers do with a bad close code or reason: nothing before accept, where the
    handshake is answered with 403 and neither is read; after accept it depends."""
    shown = describe_value(value)
    name = "code" if what.startswith("code") else "reason"
    if not accepted:
        return (
            f"{name} {shown} before accept: uvicorn, hypercorn and daphne answer the handshake "
            f"with HTTP 403 and never read the {name}, so nothing fails there (it does after "
            "accept)"
        )
    if what == "code":
        return (
            f"code {shown} after accept: uvicorn (websockets) TypeError and uvicorn (wsproto) "
            "fails too: the client gets no close frame (1006); hypercorn int()s it; daphne "
            "'invalid type for close code' and closes with 1011"
        )
    if what == "code-range":
        return (
            f"code {value} after accept: uvicorn (websockets) ProtocolError 'invalid status "
            "code' and no close frame (1006); uvicorn (wsproto) and hypercorn send 1000 "
            "instead; daphne 'invalid close code' and 1011"
        )
    if what == "reason":
        return (
            f"reason {shown} after accept: uvicorn (both stacks) and hypercorn fail encoding it "
            f"(AttributeError: '{type(value).__name__}' object has no attribute 'encode') and "
            "the client gets no close frame (1006); daphne drops the reason"
        )
    return (
        f"reason {shown}, {len(value.encode('utf-8', 'replace'))} bytes, after accept: uvicorn "
        "(websockets) ProtocolError 'control frame too long' and no close frame (1006); "
        "uvicorn (wsproto) and hypercorn send the over-long frame; daphne drops the reason"
    )


_WS_DISPATCH: Final[dict[str, Any]] = {
    "websocket.accept": WebsocketChecker._accept,
    "websocket.close": WebsocketChecker._close,
    "websocket.send": WebsocketChecker._send,
    "websocket.http.response.start": WebsocketChecker._denial_start,
    "websocket.http.response.body": WebsocketChecker._denial_body,
}
