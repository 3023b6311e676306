"""The HTTP state machine and message rules (with trailers, push, zerocopysend, pathsend, early
hints and debug when advertised), and the header checks shared with WebSocket messages."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Final

from .._errors import ProtocolError as ProtocolErrorType
from ._common import (
    BAD_VALUE,
    LOWER_TOKEN,
    bad_message,
    bytes_fix,
    capture,
    check_headers,
    describe_value,
    is_layer_event,
    kind_of,
    show,
    truthy,
    unknown,
)
from ._rules import Reporter

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._config import Strictness
    from .._errors import ProtocolError
    from .._transcript import Transcript
    from .._types import Message, Scope

__all__ = ["HttpChecker"]

# States of the response.
START: Final = 0
BODY: Final = 1
TRAILERS: Final = 2
DONE: Final = 3

_KNOWN_HTTP: Final = frozenset(
    {
        "http.response.start",
        "http.response.body",
        "http.response.trailers",
        "http.response.push",
        "http.response.zerocopysend",
        "http.response.pathsend",
        "http.response.early_hint",
        "http.response.debug",
    }
)
_EXTENSION_OF: Final = {
    "http.response.trailers": ("http.response.trailers", "R110"),
    "http.response.push": ("http.response.push", "R105"),
    "http.response.zerocopysend": ("http.response.zerocopysend", "R106"),
    "http.response.pathsend": ("http.response.pathsend", "R107"),
    "http.response.early_hint": ("http.response.early_hint", "R109"),
    "http.response.debug": ("http.response.debug", "R112"),
}


def _status_type_servers(status: Any) -> str:
    shown = describe_value(status)
    if isinstance(status, str):
        return (
            f"status {shown}: uvicorn fails with KeyError: {status!r} and drops the "
            "connection; hypercorn int()s it; daphne TypeError (%d format: a real number is "
            "required) and the client hangs"
        )
    return f"status {shown}: servers look the status up as an int and fail on it"


def _status_range_servers(status: int) -> str:
    if 100 <= status < 200:
        return (
            f"status {status} as the final response: h11 (uvicorn) refuses it (LocalProtocolError "
            "'Response status_code should be in range [200, 1000)') and drops the connection; "
            f"hypercorn sends {status} and then fails the body; daphne sends {status} with the "
            "body"
        )
    return (
        f"status {status}: uvicorn fails with KeyError: {status} and drops the connection; "
        f"hypercorn and daphne send {status}"
    )


def _body_type_servers(body: Any, head: bool) -> str:
    shown = describe_value(body)
    if head and isinstance(body, str):
        return (
            f"body {shown} in a response to HEAD: uvicorn, hypercorn and daphne drop a HEAD "
            "body without looking at it, so nothing fails there (it would for GET)"
        )
    if isinstance(body, str):
        return (
            f"body {shown}: uvicorn and hypercorn raise TypeError after the headers went out "
            "(the client gets a truncated response); daphne 'Data must be bytes' and the "
            "client hangs"
        )
    if isinstance(body, bytearray | memoryview):
        return (
            f"body {shown}: uvicorn and hypercorn accept it; daphne 'TypeError: Data must be "
            "bytes' and the client hangs"
        )
    return f"body {shown}: servers write the body as bytes and fail on it"


def _more_body_servers(more: Any) -> str:
    shown = describe_value(more)
    if isinstance(more, str):
        as_bool = "True" if more else "False"
        if not more:
            return f"more_body {shown} is falsy: servers read it as False, the response ends"
        return (
            f"more_body {shown} is truthy: servers read it as {as_bool} and wait for more body "
            "(uvicorn 'ASGI callable returned without completing response.', hypercorn "
            "truncates, daphne hangs)"
        )
    return (
        f"more_body {shown}: servers test its truthiness, so it works as "
        f"{'True' if truthy(more) else 'False'}"
    )


class HttpChecker(Reporter):
    """Checks one HTTP connection: the app's response messages and the test's request messages."""

    __slots__ = (
        "body_seen",
        "watch",
        "content_length",
        "disconnected",
        "exts",
        "head",
        "no_body_status",
        "pathsend_seen",
        "quiet",
        "request_done",
        "sent",
        "state",
        "trailers",
        "debug_seen",
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
        self.quiet = strict == "error"  # pedantic findings are ignored
        extensions = scope.get("extensions")
        self.exts: dict[str, Any] = extensions if isinstance(extensions, dict) else {}
        self.head = scope.get("method") == "HEAD"
        self.state = START
        self.disconnected = False
        self.request_done = False
        self.trailers = False
        self.content_length: int | None = None
        self.no_body_status = False
        self.sent = 0
        self.body_seen = False
        self.watch = self.head
        self.pathsend_seen = False
        self.debug_seen = False

    # ------------------------------------------------------------------ test → app

    def on_input(self, message: Message) -> None:
        __tracebackhide__ = True
        kind = message.get("type") if type(message) is dict else None
        if (
            kind == "http.request"
            and not self.request_done
            and not self.disconnected
            and type(message.get("body", b"")) is bytes
        ):
            more = message.get("more_body", False)
            if more is False:
                self.request_done = True
                return
            if more is True:
                return
        report = self
        if kind is None and isinstance(message, dict):
            kind = message.get("type")
        if kind == "http.disconnect":
            if self.state != DONE:
                self.disconnected = True
            return
        if kind != "http.request":
            if is_layer_event(kind):
                return  # a channel-layer event (Channels delivers those through receive() too)
            report.fail(
                "R12",
                f"no server sends {show(message)} to an http application (it receives only "
                '"http.request" and "http.disconnect")',
                offending=message,
                field="type",
                fix='send {"type": "http.request", "body": b"..."} or {"type": "http.disconnect"}',
            )
            return
        if self.request_done or self.disconnected:
            report.fail(
                "R37",
                '"http.request" after the request body was complete (a previous "http.request" '
                "had more_body=False)",
                offending=message,
                field="more_body",
                fix="set more_body=True on every chunk but the last",
            )
        body = message.get("body", b"")
        if type(body) is not bytes:
            report.fail(
                "R37",
                f'"http.request" body must be bytes, got {describe_value(body)}',
                offending=message,
                field="body",
                fix=bytes_fix(body),
            )
        more = message.get("more_body", False)
        if type(more) is not bool:
            report.fail(
                "R37",
                f'"http.request" more_body must be a bool, got {describe_value(more)}',
                offending=message,
                field="more_body",
                fix="True or False",
            )
        if not more:
            self.request_done = True

    def on_disconnect(self) -> None:
        self.disconnected = True

    # ------------------------------------------------------------------ app → test

    def on_send(self, message: Message) -> None:
        """Hot path: a well-formed body in the BODY state is checked inline."""
        __tracebackhide__ = True
        try:
            kind = message["type"]
        except (TypeError, KeyError, IndexError):
            if not self.disconnected:
                bad_message(self, message)
            return
        if kind == "http.response.body" and self.state == BODY and not self.disconnected:
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if type(body) is bytes and (more is False or more is True):
                if body:
                    self.sent += len(body)
                    if self.watch:
                        self._check_size(len(body), message)
                if not more:
                    self._final_body(message)
                return
            self._body(message)
            return
        if kind == "http.response.start" and self.state == START and self.quiet:
            # Hot path (strict="error"): a final status, no trailers, well-formed lowercase
            # headers, at most one content-length and no transfer-encoding. Anything else is
            # checked by _start, which reports it.
            status = message.get("status")
            headers = message.get("headers", [])
            if (
                type(status) is int
                and 200 <= status <= 599
                and message.get("trailers", False) is False
                and (type(headers) is list or type(headers) is tuple)
                and not self.disconnected
            ):
                length = None
                try:
                    for name, value in headers:
                        if (
                            type(name) is not bytes
                            or type(value) is not bytes
                            or not LOWER_TOKEN(name)
                            or BAD_VALUE(value)
                        ):
                            break
                        if name == b"content-length":
                            if length is not None:
                                break
                            length = value
                        elif name == b"transfer-encoding":
                            break
                    else:
                        self.state = BODY
                        no_body = self.no_body_status = status == 204 or status == 304
                        if length is not None:
                            self._content_length(length, message)
                        self.watch = self.head or no_body or self.content_length is not None
                        return
                except (TypeError, ValueError):
                    pass
        if self.disconnected:
            return
        handler = _HTTP_DISPATCH.get(kind)
        if handler is None:
            unknown(self, message, kind, "http", self._expected())
            return
        handler(self, message)

    def _expected(self) -> str:
        return {
            START: '"http.response.start"',
            BODY: '"http.response.body"',
            TRAILERS: '"http.response.trailers"',
            DONE: "nothing more (the response is complete)",
        }[self.state]

    def _gate(self, message: Message, kind: str) -> bool:
        """For an extension message: ``False`` (after reporting) unless it is advertised."""
        __tracebackhide__ = True
        name, rule = _EXTENSION_OF[kind]
        if name in self.exts:
            return True
        if kind == "http.response.trailers" and self.trailers:
            return True  # already reported at trailers=True (R111)
        self.fail(
            rule,
            f'"{kind}" sent, but the scope does not advertise the "{name}" extension',
            offending=message,
            field="type",
            fix=f'send it only when "{name}" in scope.get("extensions", {{}}) (in a test: '
            f'scope={{"extensions": {{"{name}": {{}}}}}})',
        )
        return False

    def _after_done(self, message: Message) -> bool:
        __tracebackhide__ = True
        if self.state != DONE:
            return False
        self.fail(
            "R55",
            f"{show(message)} sent after the response was already complete",
            offending=message,
            field="type",
            fix="send nothing after the final body (more_body=False); check for a second "
            "response or a retry path",
            servers=f'"{kind_of(message)}" after the response completed: the client has the whole '
            f'response, but uvicorn raises RuntimeError ("Unexpected ASGI message '
            f"'{kind_of(message)}' sent, after response already completed.\") and hypercorn "
            f"UnexpectedMessageError ('{kind_of(message)} given the state ASGIHTTPState.CLOSED') "
            "out of send(); daphne ignores it",
        )
        return True

    def _start(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if self.state != START:
            if self._after_done(message):
                return
            report.fail(
                "R53",
                'a second "http.response.start" (the response was already started)',
                offending=message,
                field="type",
                fix="start the response once; send further data as http.response.body",
                servers='a second "http.response.start": uvicorn raises RuntimeError '
                "(\"Expected ASGI message 'http.response.body', but got 'http.response.start'.\"); "
                "hypercorn UnexpectedMessageError; daphne 'HTTP response has already been "
                "started' and the client hangs",
            )
            return
        self.state = BODY
        if "status" not in message:
            report.fail(
                "R39",
                '"http.response.start" has no status',
                offending=message,
                field="status",
                fix='add "status": 200',
                servers="no status: uvicorn and hypercorn fail with KeyError: 'status'; daphne "
                "'Specifying a status code is required for a Response message.' and the client "
                "hangs",
            )
            status: Any = 200
        else:
            status = message["status"]
        if type(status) is not int:
            hint = f"{int(status)}" if isinstance(status, str) and status.isdigit() else "200"
            report.fail(
                "R39",
                f'"http.response.start" status must be an int, got {describe_value(status)}',
                offending=message,
                field="status",
                fix=f"status={hint}",
                servers=_status_type_servers(status),
            )
        elif not 200 <= status <= 599:
            report.fail(
                "R46",
                f'"http.response.start" status {status} is not a final HTTP status (200-599)',
                offending=message,
                field="status",
                fix="use a registered status between 200 and 599"
                + ("; send 103 through the early hints extension" if status < 200 else ""),
                servers=_status_range_servers(status),
            )
        else:
            self.no_body_status = status in (204, 304)
        headers = message.get("headers", [])
        if headers != []:
            pairs = check_headers(report, headers, message)
            for name, value in pairs:
                lower = name.lower()
                if lower == b"content-length":
                    self._content_length(value, message)
                elif lower == b"transfer-encoding":
                    report.fail(
                        "R44",
                        f'"http.response.start" sets transfer-encoding: {value!r}; the server '
                        "ignores it and frames the response itself",
                        offending=message,
                        field="headers",
                        fix="drop the header",
                        servers=f"headers transfer-encoding: {value!r}: servers frame the response "
                        "themselves, so the header may be sent twice or dropped",
                    )
        self.watch = self.head or self.no_body_status or self.content_length is not None
        trailers = message.get("trailers", False)
        if type(trailers) is not bool:
            report.fail(
                "R43",
                f'"http.response.start" trailers must be a bool, got {describe_value(trailers)}',
                offending=message,
                field="trailers",
                fix="trailers=True or leave it out",
                servers=f"trailers={trailers!r}: servers test its truthiness, so "
                + (
                    "it announces trailers and the response waits for them"
                    if truthy(trailers)
                    else "it announces no trailers"
                ),
            )
        if trailers:
            self.trailers = True
            if "http.response.trailers" not in self.exts:
                report.fail(
                    "R111",
                    '"http.response.start" has trailers=True, but the scope does not advertise '
                    'the "http.response.trailers" extension',
                    offending=message,
                    field="trailers",
                    fix='set trailers=True only when "http.response.trailers" is in '
                    'scope["extensions"]',
                    servers="trailers=True without the extension: uvicorn (HTTP/1.1) then raises "
                    "\"Unexpected ASGI message 'http.response.trailers' sent, after response "
                    'already completed."; hypercorn (HTTP/1.1) never terminates the chunked '
                    "body; daphne ignores it",
                )

    def _content_length(self, value: bytes, message: Message) -> None:
        __tracebackhide__ = True
        if self.head or self.no_body_status:
            return
        try:
            length = int(value)
            if length < 0 or not value.strip().isdigit():
                raise ValueError
        except ValueError:
            self.fail(
                "R50",
                f'"http.response.start" content-length {value!r} is not a non-negative integer',
                offending=message,
                field="headers",
                fix='send the byte length of the body, e.g. b"12"',
                servers=f"headers content-length {value!r}: h11 (uvicorn's default, hypercorn) "
                "raises LocalProtocolError 'bad Content-Length': uvicorn drops the connection, "
                "hypercorn answers 500; daphne sends it as given",
            )
            return
        if self.content_length is not None and self.content_length != length:
            self.fail(
                "R50",
                f'"http.response.start" has two different content-length headers '
                f"({self.content_length} and {length})",
                offending=message,
                field="headers",
                fix="send one content-length",
                servers=f"headers with content-length {self.content_length} and {length}: h11 "
                "(uvicorn's default, hypercorn) raises LocalProtocolError 'conflicting "
                "Content-Length headers'",
            )
        self.content_length = length

    def _check_size(self, size: int, message: Message) -> None:
        """After ``size`` more bytes (already counted in ``sent``): HEAD/204/304, content-length."""
        __tracebackhide__ = True
        if self.head or self.no_body_status:
            if not self.is_quiet("pedantic"):
                why = "a HEAD request" if self.head else "a 204/304 response"
                self.fail(
                    "R51",
                    f'"http.response.body" carries {size} bytes for {why}; servers drop them',
                    offending=message,
                    field="body",
                    fix="send an empty body",
                    servers=f"body {describe_value(message.get('body'))} ({size} bytes) for {why}: "
                    "uvicorn, hypercorn and daphne drop it (the client sees no body)",
                )
            return
        declared = self.content_length
        if declared is not None and self.sent > declared:
            self.fail(
                "R50",
                f"the body is longer than the declared content-length: {self.sent} bytes sent, "
                f'content-length is {declared} (in "http.response.body" body)',
                offending=message,
                field="body",
                fix="make content-length match the body, or leave it out and let the server "
                "chunk the response",
                servers=f"a body of {self.sent} bytes for content-length {declared}: h11 "
                "(uvicorn's default, hypercorn) raises LocalProtocolError 'Too much data for "
                "declared Content-Length'; uvicorn (httptools) 'Response content longer than "
                "Content-Length'; daphne truncates the body",
            )
            self.content_length = None  # report once
            self.watch = self.head or self.no_body_status

    def _final_body(self, message: Message) -> None:
        __tracebackhide__ = True
        if self.trailers:
            self.state = TRAILERS
        else:
            self.state = DONE
        declared = self.content_length
        if declared is not None and self.sent < declared and not self.head:
            self.fail(
                "R50",
                f"the body is shorter than the declared content-length: {self.sent} bytes sent, "
                f'content-length is {declared} (final "http.response.body", more_body=False)',
                offending=message,
                field="body",
                fix="make content-length match the body, or leave it out",
                servers=f"a body of {self.sent} bytes for content-length {declared}: h11 "
                "(uvicorn's default, hypercorn) raises LocalProtocolError 'Too little data for "
                "declared Content-Length'; uvicorn (httptools) 'Response content shorter than "
                "Content-Length'; daphne leaves the client waiting",
            )

    def _body(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if self._after_done(message):
            return
        if self.state == START:
            report.fail(
                "R52",
                '"http.response.body" sent before "http.response.start"',
                offending=message,
                field="type",
                fix='send {"type": "http.response.start", "status": ..., "headers": [...]} first',
                servers='"http.response.body" before the start: uvicorn raises RuntimeError '
                "(\"Expected ASGI message 'http.response.start', but got 'http.response.body'.\") "
                "and answers 500; hypercorn UnexpectedMessageError and 500; daphne 'HTTP "
                "response has not yet been started' and 500",
            )
            self.state = BODY
        elif self.state == TRAILERS:
            report.fail(
                "R110",
                '"http.response.body" after the final body; trailers=True expects '
                '"http.response.trailers" now',
                offending=message,
                field="type",
                fix="send http.response.trailers",
                servers='"http.response.body" after the final body, with trailers announced: '
                "hypercorn raises UnexpectedMessageError (state TRAILERS)",
            )
            return
        if self.pathsend_seen:
            report.fail(
                "R107",
                '"http.response.body" mixed with "http.response.pathsend"',
                offending=message,
                field="type",
                fix="send the file with pathsend alone",
                servers='"http.response.body" after "http.response.pathsend": the extension '
                "says pathsend completes the response and 'cannot be mixed with "
                "http.response.body'",
            )
        body = message.get("body", b"")
        if type(body) is not bytes:
            report.fail(
                "R9" if isinstance(body, (bytearray, memoryview)) else "R45",
                f'"http.response.body" body must be bytes, got {describe_value(body)}',
                offending=message,
                field="body",
                fix=bytes_fix(body)
                if not isinstance(body, str)
                else ("encode it: body=text.encode()"),
                servers=_body_type_servers(body, self.head),
                severity="pedantic" if self.head and isinstance(body, str) else None,
            )
            size = len(body) if isinstance(body, (bytearray, memoryview)) else 0
        else:
            size = len(body)
        more = message.get("more_body", False)
        if more is not True and more is not False:
            report.fail(
                "R45",
                f'"http.response.body" more_body must be a bool, got {describe_value(more)}'
                + (
                    " (any non-empty str is truthy: servers read it as True)"
                    if isinstance(more, str)
                    else ""
                ),
                offending=message,
                field="more_body",
                fix="more_body=True or more_body=False",
                severity="error" if isinstance(more, str) else "pedantic",
                servers=_more_body_servers(more),
            )
        if size:
            self.sent += size
            if self.watch:
                self._check_size(size, message)
        if not more:
            self._final_body(message)

    def _trailers(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message, "http.response.trailers"):
            return
        if not self.trailers:
            report.fail(
                "R110",
                '"http.response.trailers" sent, but "http.response.start" did not set '
                "trailers=True",
                offending=message,
                field="type",
                fix="set trailers=True in http.response.start",
                servers='"http.response.trailers" without trailers=True in the start: the '
                'response already ended with the final body; uvicorn raises "Unexpected ASGI '
                "message 'http.response.trailers' sent, after response already completed.\"",
            )
            return
        if self._after_done(message):
            return
        if self.state != TRAILERS:
            report.fail(
                "R110",
                '"http.response.trailers" sent before the final "http.response.body" '
                "(more_body=False)",
                offending=message,
                field="type",
                fix="finish the body first",
                servers='"http.response.trailers" before the final body: the extension sends '
                "trailers only after the body; hypercorn raises UnexpectedMessageError (state "
                "RESPONSE)",
            )
            return
        check_headers(report, message.get("headers", []), message)
        more = message.get("more_trailers", False)
        if type(more) is not bool:
            report.fail(
                "R110",
                f'"http.response.trailers" more_trailers must be a bool, got '
                f"{describe_value(more)}",
                offending=message,
                field="more_trailers",
                fix="True or False",
                servers=f"more_trailers {describe_value(more)}: servers test its truthiness",
            )
        if not more:
            self.state = DONE

    def _push(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message, "http.response.push") or self._after_done(message):
            return
        if self.state != BODY:
            report.fail(
                "R105",
                '"http.response.push" is allowed only after "http.response.start" and before '
                "the final body",
                offending=message,
                field="type",
                fix="push after starting the response",
                servers='"http.response.push" outside the response body: the extension allows a '
                "push only after the start and before the final body",
            )
        path = message.get("path")
        if type(path) is not str:
            report.fail(
                "R105",
                f'"http.response.push" path must be a str, got {describe_value(path)}',
                offending=message,
                field="path",
                fix='path="/static/app.css"',
                servers=f"path {describe_value(path)}: the server builds the pushed request's "
                "scope from it, where path is a str",
            )
        check_headers(report, message.get("headers", []), message)

    def _zerocopysend(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message, "http.response.zerocopysend") or self._after_done(message):
            return
        if self.state != BODY:
            report.fail(
                "R106",
                '"http.response.zerocopysend" is allowed only after "http.response.start" and '
                "before the final body",
                offending=message,
                field="type",
                fix="start the response first",
                servers='"http.response.zerocopysend" outside the response body: it is a body '
                "message, so servers take it only after the start",
            )
            return
        file = message.get("file")
        try:
            fd = file.fileno()  # type: ignore[union-attr]
            os.fstat(fd)
        except Exception:
            report.fail(
                "R106",
                f'"http.response.zerocopysend" file must be an open file with an OS file '
                f"descriptor (not BytesIO), got {describe_value(file)}",
                offending=message,
                field="file",
                fix="open(path, 'rb'), or send http.response.body",
                servers=f"file {describe_value(file)}: os.sendfile() needs a real file "
                "descriptor, which the server takes from file.fileno()",
            )
        for key in ("offset", "count"):
            value = message.get(key)
            if value is not None and type(value) is not int:
                report.fail(
                    "R106",
                    f'"http.response.zerocopysend" {key} must be an int, got '
                    f"{describe_value(value)}",
                    offending=message,
                    field=key,
                    fix=f"{key}=<int> or leave it out",
                    servers=f"{key} {describe_value(value)}: os.sendfile() takes an int",
                )
        more = message.get("more_body", False)
        if type(more) is not bool:
            report.fail(
                "R106",
                f'"http.response.zerocopysend" more_body must be a bool, got '
                f"{describe_value(more)}",
                offending=message,
                field="more_body",
                fix="True or False",
                servers=f"more_body {describe_value(more)}: servers test its truthiness",
            )
        self.body_seen = True
        self.content_length = None  # the size is the file's: not tracked
        if not more:
            self._final_body(message)

    def _pathsend(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message, "http.response.pathsend") or self._after_done(message):
            return
        if self.state != BODY:
            report.fail(
                "R107",
                '"http.response.pathsend" is allowed only after "http.response.start"'
                + (" and after the final trailers" if self.state == TRAILERS else ""),
                offending=message,
                field="type",
                fix="start the response first",
                servers='"http.response.pathsend" outside the response body: it completes a '
                "started response, so servers take it only after the start",
            )
            return
        if self.sent or self.body_seen or self.pathsend_seen:
            report.fail(
                "R107",
                '"http.response.pathsend" cannot be mixed with body messages and is sent once '
                "per response",
                offending=message,
                field="type",
                fix="send either one pathsend or http.response.body messages",
                servers='a second body message with "http.response.pathsend": the extension '
                "sends pathsend 'just one time in one response' and not mixed with "
                "http.response.body",
            )
        self.pathsend_seen = True
        path = message.get("path")
        if type(path) is not str or not os.path.isabs(path):
            report.fail(
                "R107",
                f'"http.response.pathsend" path must be an absolute str path, got '
                f"{describe_value(path)}",
                offending=message,
                field="path",
                fix="path=str(Path(...).resolve())",
                servers=f"path {describe_value(path)}: the extension requires an absolute path; "
                "a server resolves a relative one against its own working directory",
            )
        self.content_length = None
        self._final_body(message)

    def _early_hint(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message, "http.response.early_hint") or self._after_done(message):
            return
        links = message.get("links")
        if isinstance(links, (bytes, str, dict)) or not hasattr(links, "__iter__"):
            report.fail(
                "R109",
                f'"http.response.early_hint" links must be an iterable of bytes, got '
                f"{describe_value(links)}",
                offending=message,
                field="links",
                fix='links=[b"</style.css>; rel=preload; as=style"]',
                servers=f"links {describe_value(links)}: servers write each item as a Link "
                "header value (bytes)",
            )
        else:
            for index, link in enumerate(links):  # type: ignore[arg-type]
                if type(link) is not bytes:
                    report.fail(
                        "R109",
                        f'"http.response.early_hint" links[{index}] must be bytes, got '
                        f"{describe_value(link)}",
                        offending=message,
                        field=f"links[{index}]",
                        fix=bytes_fix(link),
                        servers=f"links[{index}] {describe_value(link)}: servers write it as a "
                        "Link header value, which is bytes",
                    )
        if self.state != START:
            report.fail(
                "R109",
                '"http.response.early_hint" after "http.response.start": the extension text '
                "allows it, but a 103 must precede the final response, so servers ignore or "
                "reject it there",
                offending=message,
                field="type",
                fix="send early hints before http.response.start",
                severity="pedantic",
                servers='"http.response.early_hint" after the start: hypercorn and uvicorn '
                "(HTTP/2) accept it only before http.response.start (a 103 must precede the "
                "final response on the wire)",
            )

    def _debug(self, message: Message) -> None:
        __tracebackhide__ = True
        report = self
        if not self._gate(message, "http.response.debug") or self._after_done(message):
            return
        if self.state != START or self.debug_seen:
            report.fail(
                "R112",
                '"http.response.debug" must be sent once, before "http.response.start"',
                offending=message,
                field="type",
                fix="send it first, once",
                servers='"http.response.debug" '
                + ("a second time" if self.debug_seen else "after the start")
                + ": the extension (implemented by test clients such as Starlette's, no "
                "production server) takes it once, before http.response.start",
            )
        self.debug_seen = True
        if not isinstance(message.get("info"), dict):
            report.fail(
                "R112",
                f'"http.response.debug" info must be a dict, got '
                f"{describe_value(message.get('info'))}",
                offending=message,
                field="info",
                fix="info={...}",
                servers=f"info {describe_value(message.get('info'))}: test clients read it as "
                "a dict (Starlette's TestClient)",
            )

    # ------------------------------------------------------------------ the end

    def on_exit(self, exc: BaseException | None) -> ProtocolError | None:
        __tracebackhide__ = True
        if exc is None and (self.state == DONE or self.disconnected):
            return None  # the common case: the response was complete
        if isinstance(exc, ProtocolErrorType):
            return None  # our own finding, raised into the app and out again
        if exc is not None:
            if self.state in (BODY, TRAILERS):
                exc.add_note(
                    "asgitest (R59): the app raised after http.response.start: a real server "
                    "cuts the connection mid-response (uvicorn closes it; hypercorn too; daphne "
                    "may leave the client hanging)."
                )
            elif self.state == START and not self.disconnected:
                exc.add_note(
                    "asgitest (R59): the app raised before http.response.start: a real server "
                    "answers 500 Internal Server Error."
                )
            return None
        if self.disconnected or self.state == DONE:
            return None
        return capture(self, self._exit_violation)

    def _exit_violation(self) -> None:
        __tracebackhide__ = True
        report = self
        if self.state == START:
            report.fail(
                "R57",
                'the app returned without sending "http.response.start"',
                field="type",
                fix="send a response on every path (check the early returns), or raise",
                servers='the app returned without "http.response.start": uvicorn logs '
                "'ASGI callable returned without starting response.' and answers 500; hypercorn "
                "answers 500 without a log line; daphne never answers (the client hangs)",
            )
        elif self.state == TRAILERS:
            report.fail(
                "R56",
                'the app returned without sending the final "http.response.trailers" '
                "(more_trailers=False) after announcing trailers=True",
                field="more_trailers",
                fix="send http.response.trailers (more_trailers=False)",
                servers="the app returned before the final trailers (more_trailers=False): the "
                "server waits for them and the response never ends",
            )
        elif not self.sent and not self.body_seen:
            report.fail(
                "R54",
                'the app returned after "http.response.start" without sending any '
                '"http.response.body" (more_body=False completes the response)',
                field="more_body",
                fix='send {"type": "http.response.body", "body": b"..."}',
                servers='no "http.response.body" with more_body=False after the start: uvicorn '
                "logs 'ASGI callable returned without completing response.' and closes the "
                "connection",
            )
        else:
            report.fail(
                "R58",
                f"the app returned without completing the response ({self.sent} body bytes "
                "sent, the last http.response.body had more_body=True or no body was sent)",
                field="more_body",
                fix='finish with {"type": "http.response.body", "body": b"", "more_body": False}',
                servers="the last body had more_body=True: uvicorn logs 'ASGI callable returned "
                "without completing response.' and closes the connection; hypercorn sends a "
                "truncated chunked body; daphne hangs",
            )


_HTTP_DISPATCH: Final[dict[str, Any]] = {
    "http.response.start": HttpChecker._start,
    "http.response.body": HttpChecker._body,
    "http.response.trailers": HttpChecker._trailers,
    "http.response.push": HttpChecker._push,
    "http.response.zerocopysend": HttpChecker._zerocopysend,
    "http.response.pathsend": HttpChecker._pathsend,
    "http.response.early_hint": HttpChecker._early_hint,
    "http.response.debug": HttpChecker._debug,
}
