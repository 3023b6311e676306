"""The rule registry (one entry per rule of the ASGI rules checklist) and how findings are reported.

Each :class:`Rule` has the id used in error messages and the rules reference (``"R40"``), the
protocol it belongs to, its severity, the requirement in one line, what real servers do when it
is broken, and a link to the spec text. ``checked=False`` marks a rule that is a duty of the
harness (asgitest behaves that way as the "server") rather than something checked on the app.

Severity:

- ``"error"``: a production server (uvicorn, hypercorn, daphne) rejects the message, crashes, or
  sends the client something other than what the app meant.
- ``"pedantic"``: the spec says "must", but every major server tolerates it.

Severity follows what servers do in the connection's state: a rule whose consequence depends on
it is an error only where a real server fails, and pedantic where none acts on the value
(:attr:`Rule.pedantic_when`; R82, a close reason that is not a str, is pedantic before accept:
the handshake is answered with 403 and the reason never read). ``scripts/server-probe`` holds
the evidence. Each finding's hint is written by its call site for the very message: what
servers do with that field and value in that state, then the fix.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from .._errors import InvalidArgument, ProtocolError, ProtocolWarning
from .._transcript import format_message

if TYPE_CHECKING:
    from .._config import Strictness
    from .._transcript import Transcript
    from .._types import Scope

__all__ = ["RULES", "Reporter", "Rule", "Severity", "parse_rule_ids"]

Severity = Literal["error", "pedantic"]

_CORE: Final = "https://asgi.readthedocs.io/en/latest/specs/main.html"
_WWW: Final = "https://asgi.readthedocs.io/en/latest/specs/www.html"
_LIFE: Final = "https://asgi.readthedocs.io/en/latest/specs/lifespan.html"
_EXT: Final = "https://asgi.readthedocs.io/en/latest/extensions.html"
_TLS: Final = "https://asgi.readthedocs.io/en/latest/specs/tls.html"


@dataclass(frozen=True, slots=True)
class Rule:
    """One checkable statement of the ASGI specification.

    Attributes:
        id: the rule id, e.g. ``"R40"``.
        protocol: ``"core"``, ``"http"``, ``"websocket"``, ``"lifespan"`` or ``"extension"``.
        severity: ``"error"`` or ``"pedantic"`` (some rules report a pedantic variant too).
        requirement: what the spec requires, in one line.
        servers: what real servers do when the rule is broken.
        link: the spec text.
        checked: ``False`` for a harness duty that is not checked on the application.
        pedantic_when: the connection state in which a rule of severity ``"error"`` is only
            pedantic, because servers never act on the value there (``"before accept"`` for
            R82: the handshake is answered with 403 and the close reason is never read);
            ``""`` when the severity does not depend on the state.
    """

    id: str
    protocol: str
    severity: Severity
    requirement: str
    servers: str
    link: str
    checked: bool = True
    pedantic_when: str = ""


def _r(
    rule_id: str,
    protocol: str,
    severity: Severity,
    requirement: str,
    servers: str,
    link: str,
    checked: bool = True,
    pedantic_when: str = "",
) -> tuple[str, Rule]:
    return rule_id, Rule(
        rule_id, protocol, severity, requirement, servers, link, checked, pedantic_when
    )


_E: Final = "error"
_P: Final = "pedantic"
_START: Final = f"{_WWW}#response-start-send-event"
_BODY: Final = f"{_WWW}#response-body-send-event"
_HSCOPE: Final = f"{_WWW}#http-connection-scope"
_WSCOPE: Final = f"{_WWW}#websocket-connection-scope"
_ACCEPT: Final = f"{_WWW}#accept-send-event"
_WSEND: Final = f"{_WWW}#send-send-event"
_CLOSE: Final = f"{_WWW}#close-send-event"

RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    dict(
        [
            # ---------------------------------------------------------------- core
            _r(
                "R1",
                "core",
                _E,
                "The application is an async callable app(scope, receive, send) (or a legacy ASGI 2 double callable).",
                "Every server refuses to start with anything else.",
                _CORE,
                False,
            ),
            _r(
                "R2",
                "core",
                _P,
                "The application should return None.",
                "uvicorn logs 'ASGI callable should return None'.",
                _CORE,
                False,
            ),
            _r(
                "R3",
                "core",
                _E,
                "The scope is a dict whose 'type' is a str naming the protocol.",
                "No server builds anything else.",
                _CORE,
            ),
            _r(
                "R4",
                "core",
                _E,
                "scope['asgi'] is a dict with 'version' ('2.0' or '3.0'); if missing the version defaults to '2.0'.",
                "uvicorn, hypercorn and daphne always send {'version': '3.0', ...}.",
                _CORE,
            ),
            _r(
                "R5",
                "core",
                _E,
                "scope['asgi']['spec_version'] may name the protocol spec version.",
                "uvicorn sends '2.3' (http) / '2.4' (websocket); hypercorn '2.1' / '2.3'; daphne none.",
                _CORE,
                False,
            ),
            _r(
                "R6",
                "core",
                _E,
                "Every event is a dict with a 'type' key holding a str.",
                "uvicorn and hypercorn raise KeyError/TypeError inside send(); daphne fails its handler.",
                _CORE,
            ),
            _r(
                "R7",
                "core",
                _E,
                "Message types are namespaced by the scope's protocol ('http.*' in an http scope, 'websocket.*' in a websocket scope, 'lifespan.*').",
                "In an http or websocket scope uvicorn and hypercorn raise out of send() and answer 500 (daphne: 'Cannot handle message type' for http, a handshake that hangs for websocket). On the lifespan scope before the startup completed, uvicorn (--lifespan auto, its default) and hypercorn serve the app without lifespan (uvicorn --lifespan on exits); after it, uvicorn skips the shutdown.",
                _CORE,
                pedantic_when="on the lifespan scope before the startup completed",
            ),
            _r(
                "R8",
                "core",
                _P,
                "Event values are bytes, str, int (64-bit), float (finite), list, dict with str keys, bool or None; tuples should be encoded as lists.",
                "Servers accept tuples; only a server that serialises messages would reject them.",
                _CORE,
            ),
            _r(
                "R9",
                "core",
                _E,
                "A byte string is exactly bytes and a Unicode string exactly str (not bytearray, memoryview or a str subclass of another type).",
                "A bytearray body: daphne 'TypeError: Data must be bytes' and the client hangs; a bytearray frame: daphne '\"payload\" must have type bytes' and 1011; uvicorn and hypercorn accept both.",
                _CORE,
            ),
            _r(
                "R10",
                "core",
                _E,
                "All dict keys in scopes and events are str.",
                "No server sends other keys; apps that index by str miss them.",
                _CORE,
            ),
            _r(
                "R11",
                "core",
                _E,
                "An event with an unknown type, missing required keys or wrong value types is invalid; the server should raise out of send().",
                "uvicorn: \"Expected ASGI message 'http.response.start', but got 'http.response.bogus'\"; hypercorn UnexpectedMessageError; daphne 'Cannot handle message type http.response.bogus!'.",
                _CORE,
            ),
            _r(
                "R12",
                "core",
                _E,
                "The server never delivers an invalid event to the app (no server would send it).",
                "A real server only sends well-formed events; a test that sends others tests something that cannot happen.",
                _CORE,
            ),
            _r(
                "R13",
                "core",
                _E,
                "Extra keys in an event must not cause an error (forward compatibility).",
                "All servers ignore unknown keys.",
                _CORE,
                False,
            ),
            _r(
                "R14",
                "core",
                _E,
                "An exception out of the app ends the instance and its connection.",
                "uvicorn/hypercorn log it and answer 500 (or cut a started response); daphne logs it.",
                _CORE,
                False,
            ),
            _r(
                "R15",
                "core",
                _E,
                "Sends after the connection closed are no-ops unless the protocol says otherwise.",
                "uvicorn/hypercorn/daphne ignore them (HTTP).",
                _CORE,
                False,
            ),
            _r(
                "R16",
                "core",
                _E,
                "The error send() raises after a disconnect is caught by the server, not reported.",
                "uvicorn ignores its own ClientDisconnected.",
                _CORE,
                False,
            ),
            _r(
                "R17",
                "core",
                _P,
                "Apps should raise on scope types they do not understand (so the server knows lifespan is unsupported).",
                "uvicorn and hypercorn treat a lifespan app that returns without answering as started; the real failure stays hidden.",
                _CORE,
            ),
            _r(
                "R18",
                "core",
                _P,
                "Middleware copies the scope before changing it.",
                "Not visible to servers.",
                _CORE,
                False,
            ),
            _r(
                "R19",
                "core",
                _E,
                "scope['extensions'] is a dict of extension name to dict; an app sends an extension's events only if the server advertised it.",
                "Servers treat an unadvertised extension event as an unknown type (see R107, R103).",
                _EXT,
            ),
            _r("R20", "core", _E, "The app is called once per connection.", "-", _CORE, False),
            # ---------------------------------------------------------------- http scope
            _r("R21", "http", _E, "An http scope has type 'http'.", "-", _HSCOPE, False),
            _r(
                "R22",
                "http",
                _E,
                "scope['asgi']['spec_version'] is one of '2.0' ... '2.5' (optional, default '2.0').",
                "Apps compare it to decide behaviour (Starlette reads it for send() errors).",
                _HSCOPE,
            ),
            _r(
                "R23",
                "http",
                _E,
                "http_version is one of '1.0', '1.1', '2' (hypercorn also sends '3').",
                "No server sends anything else.",
                _HSCOPE,
            ),
            _r(
                "R24",
                "http",
                _E,
                "method is a str, uppercased.",
                "Servers pass the request line's method; it is always uppercase on the wire in practice.",
                _HSCOPE,
            ),
            _r(
                "R25",
                "http",
                _E,
                "scheme is a non-empty str (optional, default 'http').",
                "-",
                _HSCOPE,
            ),
            _r(
                "R26",
                "http",
                _E,
                "path is a str: the decoded request target without the query string; it includes root_path.",
                "uvicorn builds path = root_path + path.",
                _HSCOPE,
            ),
            _r(
                "R27",
                "http",
                _E,
                "raw_path is bytes (or None), the original path without the query string.",
                "uvicorn/hypercorn send the path bytes before '?'.",
                _HSCOPE,
            ),
            _r(
                "R28",
                "http",
                _E,
                "query_string is bytes: the part after '?', percent-encoded, without the '?'.",
                "Every server sends bytes; Django's parser fails on a str.",
                _HSCOPE,
            ),
            _r("R29", "http", _E, "root_path is a str (optional, default '').", "-", _HSCOPE),
            _r(
                "R30",
                "http",
                _E,
                "headers is an iterable of [name, value] pairs of bytes; pseudo-headers removed; names should be lowercase.",
                "Servers deliver bytes pairs, lowercased by uvicorn and hypercorn.",
                _HSCOPE,
            ),
            _r("R31", "http", _E, "HTTP/1.x clients send one Cookie header.", "-", _HSCOPE, False),
            _r(
                "R32",
                "http",
                _E,
                "client is [host: str, port: int] or None.",
                "uvicorn sends a (str, int) tuple.",
                _HSCOPE,
            ),
            _r(
                "R33",
                "http",
                _E,
                "server is [host: str, port: int] or [path, None] (None port since spec 2.2), or None.",
                "uvicorn sends a (str, int) tuple.",
                _HSCOPE,
            ),
            _r(
                "R34",
                "http",
                _E,
                "state, when present, is a dict (a shallow copy of the lifespan state).",
                "uvicorn and hypercorn copy the lifespan state into each request.",
                _HSCOPE,
            ),
            _r(
                "R35",
                "http",
                _E,
                "extensions, when present, is a dict of name to dict.",
                "-",
                _HSCOPE,
            ),
            _r(
                "R36",
                "http",
                _E,
                "Transfer encodings are handled by the server.",
                "-",
                _HSCOPE,
                False,
            ),
            # ---------------------------------------------------------------- http events
            _r(
                "R37",
                "http",
                _E,
                "http.request has body: bytes and more_body: bool; nothing follows a request with more_body=False except http.disconnect.",
                "A server de-chunks the body and sends bytes.",
                f"{_WWW}#request-receive-event",
            ),
            _r(
                "R38",
                "http",
                _E,
                "http.disconnect is delivered once the response is sent or the client went away.",
                "-",
                f"{_WWW}#disconnect-receive-event",
                False,
            ),
            _r(
                "R39",
                "http",
                _E,
                "http.response.start has status: int.",
                "status '200' (str): uvicorn KeyError, connection dropped; daphne TypeError, client hangs; hypercorn int()s it. Missing: uvicorn/hypercorn KeyError, daphne 'Specifying a status code is required'. A str status in a denial response: uvicorn and hypercorn answer 500.",
                _START,
            ),
            _r(
                "R40",
                "http",
                _E,
                "Response headers are an iterable of [name, value] pairs, both bytes.",
                "A str value: uvicorn (h11) sends it, uvicorn (httptools) drops the connection, hypercorn and daphne answer 500. None, a dict or an item that is not a pair: every server fails ('NoneType' object is not iterable, too many values to unpack): uvicorn drops the connection, hypercorn and daphne answer 500.",
                _START,
            ),
            _r(
                "R41",
                "http",
                _P,
                "Response header names must be lowercased.",
                "No server enforces it: uvicorn (h11) and hypercorn send the case given, uvicorn (httptools) lowercases, daphne re-capitalises.",
                _START,
            ),
            _r(
                "R42",
                "http",
                _E,
                "Response headers must not contain pseudo-headers (':status', ...).",
                "hypercorn: ValueError('Pseudo headers are not valid'); h11 rejects the name.",
                _START,
            ),
            _r(
                "R43",
                "http",
                _E,
                "http.response.start trailers is a bool.",
                "Servers test its truthiness.",
                _START,
            ),
            _r(
                "R44",
                "http",
                _P,
                "A Transfer-Encoding response header is allowed, but the server must ignore it.",
                "Servers frame the response themselves; the header may be sent twice or dropped.",
                _START,
            ),
            _r(
                "R45",
                "http",
                _E,
                "http.response.body has body: bytes and more_body: bool.",
                "A str body: uvicorn and hypercorn TypeError after the headers went out (truncated response), daphne 'Data must be bytes' and the client hangs; in a response to HEAD all three drop the body unread. A more_body that is a non-empty str is truthy: the response never ends.",
                _BODY,
                pedantic_when="for a str body in a response to HEAD",
            ),
            _r(
                "R46",
                "http",
                _E,
                "The status is a final HTTP status, 200-599 (1xx only through early hints).",
                "status 999: uvicorn KeyError, connection dropped; hypercorn and daphne send 999. status 103 as the final response: uvicorn (h11) LocalProtocolError and drops the connection; hypercorn sends 103 and then fails the body; daphne sends it.",
                _START,
            ),
            _r(
                "R47",
                "http",
                _E,
                "From spec 2.4, send() on a closed connection raises an OSError subclass.",
                "uvicorn raises ClientDisconnected for websockets only (it advertises http 2.3).",
                f"{_WWW}#disconnected-client-send-exception",
                False,
            ),
            _r(
                "R48",
                "http",
                _P,
                "After http.disconnect the app should expect send() to raise.",
                "Servers ignore the sends.",
                f"{_WWW}#disconnect-receive-event",
                False,
            ),
            _r(
                "R49",
                "http",
                _E,
                "Header names are tokens; header values contain no CR, LF or NUL (derived from RFC 9110).",
                "uvicorn (h11) and hypercorn: LocalProtocolError 'Illegal header value'; uvicorn (httptools) 'Invalid HTTP header value.'; daphne replaces the CRLF.",
                _START,
            ),
            _r(
                "R50",
                "http",
                _E,
                "If content-length is sent, the body has exactly that many bytes (derived from RFC 9110).",
                "uvicorn: 'Response content longer than Content-Length' / 'shorter than Content-Length'; hypercorn LocalProtocolError 'Too much/Too little data for declared Content-Length'; daphne truncates or hangs. A content-length that is not a number: h11 'bad Content-Length' (uvicorn drops the connection, hypercorn answers 500); daphne sends it.",
                _START,
            ),
            _r(
                "R51",
                "http",
                _P,
                "No body for HEAD requests and 1xx/204/304 responses (derived from RFC 9110).",
                "Servers drop the body (h11 may raise 'Too much data').",
                _BODY,
            ),
            _r(
                "R52",
                "http",
                _E,
                "The first response message is http.response.start (only advertised debug/early-hint messages may precede it).",
                "uvicorn: \"Expected ASGI message 'http.response.start', but got 'http.response.body'.\" and 500; hypercorn UnexpectedMessageError and 500; daphne 'HTTP response has not yet been started' and 500.",
                _START,
            ),
            _r(
                "R53",
                "http",
                _E,
                "Exactly one http.response.start.",
                "uvicorn: \"Expected ASGI message 'http.response.body', but got 'http.response.start'.\"; hypercorn UnexpectedMessageError; daphne 'HTTP response has already been started' and the client hangs.",
                _START,
            ),
            _r(
                "R54",
                "http",
                _E,
                "http.response.start needs to be followed by at least one response body message.",
                "uvicorn: 'ASGI callable returned without completing response.'",
                _START,
            ),
            _r(
                "R55",
                "http",
                _E,
                "Nothing is sent after the response completed (final body, or final trailers).",
                "uvicorn: \"Unexpected ASGI message 'http.response.body' sent, after response already completed.\"; hypercorn UnexpectedMessageError (state CLOSED); daphne ignores it (as the spec says).",
                _BODY,
            ),
            _r(
                "R56",
                "http",
                _E,
                "With trailers=True the response completes only with http.response.trailers (more_trailers=False).",
                "The server waits for the trailers: the response never ends.",
                f"{_EXT}#http-trailers",
            ),
            _r(
                "R57",
                "http",
                _E,
                "The app must not return before sending http.response.start (unless the client disconnected).",
                "uvicorn: 'ASGI callable returned without starting response.' and 500; hypercorn 500 without a log line; daphne never answers (the client hangs).",
                _START,
            ),
            _r(
                "R58",
                "http",
                _E,
                "The app must not return before the response is complete (unless the client disconnected).",
                "uvicorn: 'ASGI callable returned without completing response.' and closes; hypercorn sends a truncated chunked body; daphne hangs.",
                _BODY,
            ),
            _r(
                "R59",
                "http",
                _E,
                "An exception before http.response.start gives a 500; after it the connection is cut mid-response.",
                "uvicorn 'Exception in ASGI application'; hypercorn 'Error in ASGI Framework'; daphne may hang after a started response.",
                _CORE,
            ),
            _r(
                "R60",
                "http",
                _E,
                "A server need not flush http.response.start before the first body.",
                "-",
                _START,
                False,
            ),
            # ---------------------------------------------------------------- websocket scope
            _r(
                "R61",
                "websocket",
                _E,
                "A websocket scope has type 'websocket'.",
                "-",
                _WSCOPE,
                False,
            ),
            _r(
                "R62",
                "websocket",
                _E,
                "scope['asgi']['spec_version'] is one of '2.0' ... '2.5' (optional, default '2.0').",
                "uvicorn sends '2.4', hypercorn '2.3'.",
                _WSCOPE,
            ),
            _r(
                "R63",
                "websocket",
                _E,
                "http_version is '1.1' or '2' (optional, default '1.1').",
                "-",
                _WSCOPE,
            ),
            _r(
                "R64",
                "websocket",
                _E,
                "scheme is a non-empty str, likely 'ws' or 'wss' (optional, default 'ws').",
                "-",
                _WSCOPE,
            ),
            _r(
                "R65",
                "websocket",
                _E,
                "path is a str: the decoded path without the query string.",
                "-",
                _WSCOPE,
            ),
            _r(
                "R66",
                "websocket",
                _E,
                "raw_path is bytes (or None), without the query string.",
                "-",
                _WSCOPE,
            ),
            _r(
                "R67",
                "websocket",
                _E,
                "query_string is bytes (optional; missing or None means empty).",
                "-",
                _WSCOPE,
            ),
            _r("R68", "websocket", _E, "root_path is a str (optional, default '').", "-", _WSCOPE),
            _r(
                "R69",
                "websocket",
                _E,
                "headers is an iterable of [name, value] pairs of bytes; pseudo-headers removed; names should be lowercase.",
                "-",
                _WSCOPE,
            ),
            _r("R70", "websocket", _E, "client and server are as in the http scope.", "-", _WSCOPE),
            _r(
                "R71",
                "websocket",
                _E,
                "subprotocols is an iterable of str (optional, default []).",
                "-",
                _WSCOPE,
            ),
            _r(
                "R72",
                "websocket",
                _E,
                "state and extensions are as in the http scope.",
                "-",
                _WSCOPE,
            ),
            # ---------------------------------------------------------------- websocket events
            _r(
                "R73",
                "websocket",
                _P,
                "websocket.connect is the first event; the app answers the handshake after receiving it.",
                "Servers do not check that the app awaited receive() before accepting.",
                f"{_WWW}#connect-receive-event",
            ),
            _r(
                "R74",
                "websocket",
                _E,
                "websocket.accept has subprotocol: str or None and headers: [[bytes, bytes]].",
                "subprotocol b'chat' (bytes): uvicorn (websockets) sends it and the client fails the handshake ('unsupported subprotocol'), uvicorn (wsproto) 'unexpected subprotocol', hypercorn fails the handshake, daphne never answers it.",
                _ACCEPT,
            ),
            _r(
                "R75",
                "websocket",
                _E,
                "websocket.accept headers exist since spec 2.1; sending them to a 2.0 server is an error.",
                "daphne (which advertises no spec_version, i.e. 2.0) drops accept headers silently.",
                _ACCEPT,
            ),
            _r(
                "R76",
                "websocket",
                _E,
                "Accept headers: names lowercased, bytes pairs, no 'sec-websocket-protocol' (use subprotocol), no pseudo-headers.",
                "A str value: uvicorn (websockets) AttributeError and 500; uvicorn (wsproto) and hypercorn send it.",
                _ACCEPT,
            ),
            _r(
                "R77",
                "websocket",
                _E,
                "The accepted subprotocol is one the client offered in scope['subprotocols'] (derived from RFC 6455).",
                "uvicorn (wsproto) 'unexpected subprotocol'; hypercorn 'Invalid Subprotocol'; daphne 'protocol accepted must be from the list client sent or None'; browsers abort the connection.",
                _ACCEPT,
            ),
            _r(
                "R78",
                "websocket",
                _E,
                "websocket.receive carries exactly one of bytes (bytes) or text (str).",
                "A server never delivers anything else.",
                f"{_WWW}#receive-receive-event",
            ),
            _r(
                "R79",
                "websocket",
                _E,
                "websocket.send carries exactly one non-None of bytes (bytes) or text (str).",
                "Both: uvicorn and hypercorn send the bytes, daphne closes with 1011. Neither: uvicorn TypeError, hypercorn KeyError and 1011, daphne sends nothing. text=b'..': uvicorn sends a binary frame, hypercorn and daphne close with 1011. bytes='..' (str): uvicorn sends a text frame, hypercorn and daphne close with 1011.",
                _WSEND,
            ),
            _r(
                "R80",
                "websocket",
                _E,
                "From spec 2.4 send() after the socket closed raises an OSError subclass.",
                "uvicorn raises ClientDisconnected.",
                f"{_WWW}#disconnected-client-send-exception-1",
                False,
            ),
            _r(
                "R81",
                "websocket",
                _E,
                "websocket.disconnect has code: int (1005 if the client sent none) and, from spec 2.5, reason: str.",
                "Servers always send a code.",
                f"{_WWW}#disconnect-receive-event-ws",
            ),
            _r(
                "R82",
                "websocket",
                _E,
                "websocket.close has code: int (default 1000) and reason: str or None (spec 2.3+).",
                "Before accept uvicorn, hypercorn and daphne answer the handshake with HTTP 403 and never read code or reason. After accept, a reason that is not a str: uvicorn (both stacks) and hypercorn fail encoding it and the client gets no close frame (1006), daphne drops it; a str code: uvicorn TypeError (websockets) or no close frame (wsproto), hypercorn int()s it, daphne 'invalid type for close code' and 1011. A reason is dropped by servers older than 2.3 (daphne).",
                _CLOSE,
                pedantic_when="before accept",
            ),
            _r(
                "R83",
                "websocket",
                _E,
                "The close code is 1000-1003, 1007-1014 or 3000-4999, and the reason at most 123 bytes of UTF-8 (derived from RFC 6455).",
                "Before accept: HTTP 403, neither is read. After accept, code 1006: uvicorn (websockets) 'invalid status code' and no close frame, uvicorn (wsproto) and hypercorn send 1000 instead, daphne 1011; a 124-byte reason: uvicorn (websockets) 'control frame too long' and no close frame, uvicorn (wsproto) and hypercorn send it, daphne drops it. daphne also refuses 1001-1003 and 1007-1014 from the app ('must be 1000 or from [3000, 4999]', then 1011).",
                _CLOSE,
                pedantic_when="before accept",
            ),
            _r(
                "R84",
                "websocket",
                _E,
                "Before the handshake the app sends only websocket.accept, websocket.close or (advertised) websocket.http.response.start.",
                "uvicorn: \"Expected ASGI message 'websocket.accept', 'websocket.close' or 'websocket.http.response.start' but got 'websocket.send'.\" and 500; hypercorn UnexpectedMessageError and 500; daphne 'Socket has not been accepted, so cannot send over it'.",
                f"{_WWW}#connect-receive-event",
            ),
            _r(
                "R85",
                "websocket",
                _E,
                "No websocket.receive is delivered before the app accepted.",
                "A client cannot send frames before the handshake completed.",
                f"{_WWW}#connect-receive-event",
            ),
            _r(
                "R86",
                "websocket",
                _P,
                "websocket.close before accept rejects the handshake with HTTP 403: the close code and reason never reach the client.",
                "uvicorn, hypercorn and daphne answer 403; browsers may report 1006.",
                _CLOSE,
            ),
            _r(
                "R87",
                "websocket",
                _E,
                "After websocket.close the server closes with the code given (1000 by default).",
                "-",
                _CLOSE,
                False,
            ),
            _r(
                "R88",
                "websocket",
                _E,
                "After accept only websocket.send and websocket.close are valid.",
                "uvicorn: \"Expected ASGI message 'websocket.send' or 'websocket.close', but got 'websocket.accept'.\"; hypercorn UnexpectedMessageError; daphne AttributeError.",
                _ACCEPT,
            ),
            _r(
                "R89",
                "websocket",
                _E,
                "After websocket.close the app sends nothing more.",
                "uvicorn: \"Unexpected ASGI message 'websocket.send', after sending 'websocket.close'.\"; hypercorn UnexpectedMessageError (state CLOSED); daphne 'Attempt to send on a closed protocol'.",
                _CLOSE,
            ),
            _r(
                "R90",
                "websocket",
                _E,
                "The app must not return without answering the handshake.",
                "uvicorn: 'ASGI callable returned without completing handshake.' and 500; hypercorn 500; daphne never answers the handshake.",
                f"{_WWW}#connect-receive-event",
            ),
            _r(
                "R91",
                "websocket",
                _E,
                "If the app dies the socket is closed (and vice versa).",
                "uvicorn drops the TCP connection (client sees 1006); hypercorn and daphne close with 1011.",
                _WSCOPE,
            ),
            _r(
                "R92",
                "websocket",
                _E,
                "Servers handle ping/pong and fragmentation.",
                "-",
                _WSCOPE,
                False,
            ),
            # ---------------------------------------------------------------- lifespan
            _r(
                "R93",
                "lifespan",
                _E,
                "A lifespan scope has type 'lifespan', asgi['version'], asgi['spec_version'] '1.0' or '2.0' (optional), and optionally state: dict.",
                "uvicorn and hypercorn send spec_version '2.0' and state {}.",
                _LIFE,
            ),
            _r("R94", "lifespan", _E, "The server sends lifespan.startup first, once.", "-", _LIFE),
            _r(
                "R95",
                "lifespan",
                _E,
                "After lifespan.startup the app sends exactly one of lifespan.startup.complete or lifespan.startup.failed (message: str).",
                "uvicorn (lifespan on): 'Got invalid state transition on lifespan protocol.' and exits; hypercorn accepts it silently.",
                _LIFE,
            ),
            _r(
                "R96",
                "lifespan",
                _E,
                "After lifespan.shutdown the app sends exactly one of lifespan.shutdown.complete or lifespan.shutdown.failed (message: str).",
                "uvicorn: 'Got invalid state transition on lifespan protocol.'; hypercorn accepts it.",
                _LIFE,
            ),
            _r(
                "R97",
                "lifespan",
                _E,
                "No lifespan message before the matching receive, none twice, no unknown lifespan.* types.",
                "uvicorn (lifespan on): AssertionError 'Got invalid state transition on lifespan protocol.' and exits; (auto) 'ASGI lifespan protocol appears unsupported' and shutdown is skipped; hypercorn UnexpectedMessageError and continues without lifespan.",
                _LIFE,
            ),
            _r(
                "R98",
                "lifespan",
                _E,
                "An app that raises on the lifespan scope is run without lifespan events.",
                "uvicorn (auto) and hypercorn continue without lifespan.",
                _LIFE,
                False,
            ),
            _r(
                "R99",
                "lifespan",
                _P,
                "An app that wants the server to stop sends lifespan.startup.failed instead of raising.",
                "uvicorn (auto) reports the exception as 'lifespan appears unsupported' at INFO level and serves anyway.",
                _LIFE,
            ),
            _r(
                "R100",
                "lifespan",
                _E,
                "Lifespan and requests run on the same event loop.",
                "-",
                _LIFE,
                False,
            ),
            _r(
                "R101",
                "lifespan",
                _E,
                "A shallow copy of the lifespan state is passed into each request scope.",
                "uvicorn and hypercorn pass state.copy().",
                _LIFE,
                False,
            ),
            _r(
                "R102",
                "lifespan",
                _P,
                "Apps name their state keys to avoid collisions.",
                "-",
                _LIFE,
                False,
            ),
            # ---------------------------------------------------------------- extensions
            _r(
                "R103",
                "extension",
                _E,
                "websocket.http.response.start/body (denial response) only when 'websocket.http.response' is advertised, before accept, start then bodies until more_body=False, and nothing after.",
                "uvicorn and hypercorn send the response; daphne does not implement it and the handshake hangs.",
                f"{_EXT}#websocket-denial-response",
            ),
            _r(
                "R104",
                "extension",
                _E,
                "The server sends the denial response and closes.",
                "-",
                f"{_EXT}#websocket-denial-response",
                False,
            ),
            _r(
                "R105",
                "extension",
                _E,
                "http.response.push (path: str, headers) only when advertised, after start and before the final body.",
                "Servers without the extension treat it as an unknown message.",
                f"{_EXT}#http-2-server-push",
            ),
            _r(
                "R106",
                "extension",
                _E,
                "http.response.zerocopysend (file with a real fd, offset/count int, more_body bool) only when advertised, after start and before the final body.",
                "Servers without the extension treat it as an unknown message; os.sendfile needs a real file descriptor.",
                f"{_EXT}#zero-copy-send",
            ),
            _r(
                "R107",
                "extension",
                _E,
                "http.response.pathsend (path: absolute str) only when advertised, once, after start, not mixed with body messages; it completes the response.",
                "Not advertised: uvicorn \"Expected ASGI message 'http.response.body', but got 'http.response.pathsend'.\"; hypercorn UnexpectedMessageError; daphne 'Cannot handle message type'.",
                f"{_EXT}#path-send",
            ),
            _r(
                "R108",
                "extension",
                _E,
                "The tls scope extension (server_cert, tls_version, cipher_suite, ...) is present only on TLS connections.",
                "-",
                _TLS,
            ),
            _r(
                "R109",
                "extension",
                _E,
                "http.response.early_hint (links: [bytes]) only when advertised, before the final body.",
                "hypercorn and uvicorn (HTTP/2) accept it only before http.response.start (a 103 must precede the final response on the wire), although the extension text says after.",
                f"{_EXT}#early-hints",
            ),
            _r(
                "R110",
                "extension",
                _E,
                "http.response.trailers (headers, more_trailers: bool) only after start with trailers=True and the final body, until more_trailers=False.",
                "uvicorn: \"Unexpected ASGI message 'http.response.trailers' sent, after response already completed.\"; hypercorn UnexpectedMessageError.",
                f"{_EXT}#http-trailers",
            ),
            _r(
                "R111",
                "extension",
                _E,
                "trailers=True only when 'http.response.trailers' is advertised.",
                "Servers without the extension never finish the response (hypercorn never terminates the chunked body).",
                f"{_EXT}#http-trailers",
            ),
            _r(
                "R112",
                "extension",
                _E,
                "http.response.debug (info: dict) only when advertised, once, before http.response.start.",
                "Production servers do not implement it: an unknown message.",
                f"{_EXT}#debug",
            ),
            _r(
                "R113",
                "extension",
                _E,
                "Lifespan state is scope['state'] (not extensions['lifespan.state']).",
                "-",
                _LIFE,
                False,
            ),
            _r(
                "R114",
                "extension",
                _E,
                "The harness advertises no extension it does not implement.",
                "-",
                _EXT,
                False,
            ),
            _r(
                "R115",
                "extension",
                _E,
                "Extensions follow the HTTP version in practice (trailers/push/early hints on HTTP/2).",
                "-",
                _EXT,
                False,
            ),
        ]
    )
)
"""Every rule by id (read-only)."""


_NO_RULES: Final[frozenset[str]] = frozenset()


def parse_rule_ids(value: Any, name: str = "ignore_rules", where: str = "") -> frozenset[str]:
    """Rule ids to waive: ``"R82 R8"`` (spaces or commas), or an iterable of ids; ``None``
    is none. Each must name a rule of :data:`RULES`; case does not matter."""
    if value is None:
        return _NO_RULES
    if isinstance(value, str):
        items: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, (bytes, dict)) or not hasattr(value, "__iter__"):
        raise InvalidArgument(
            f"{name}={value!r}{f' ({where})' if where else ''} is not a list of rule ids: "
            'write for example ignore_rules=["R82", "R8"] or "R82 R8".',
            argument=name,
            value=value,
        )
    else:
        items = list(value)
    ids = []
    for item in items:
        text = item.strip().upper() if isinstance(item, str) else ""
        if text not in RULES:
            raise InvalidArgument(
                f"{item!r} in {name}{f' ({where})' if where else ''} is not a rule id of "
                "asgitest's spec checker (R1 to R"
                f"{max(int(key[1:]) for key in RULES)}; see the rules page, or asgitest.RULES).",
                argument=name,
                value=value,
            )
        ids.append(text)
    return frozenset(ids)


class Reporter:
    """Turns a finding into a ``ProtocolError`` (raised or handed to a callback) or a warning.

    Shared by the protocol checkers: ``strict`` decides what happens to a finding; ``on_finding``
    (used by :class:`~asgitest.SpecCheck` in ``"log"`` mode) receives the error instead of it
    being raised.
    """

    __slots__ = ("ignore", "on_finding", "scope", "strict", "transcript")

    def __init__(
        self,
        scope: Scope,
        strict: Strictness,
        transcript: Transcript | None,
        on_finding: Callable[[ProtocolError], None] | None = None,
    ) -> None:
        self.scope = scope
        self.strict = strict
        self.transcript = transcript
        self.on_finding = on_finding
        self.ignore: frozenset[str] = _NO_RULES  # waived rule ids

    def fail(
        self,
        rule_id: str,
        detail: str,
        *,
        offending: Any = None,
        field: str | None = None,
        fix: str | None = None,
        severity: Severity | None = None,
        servers: str | None = None,
    ) -> None:
        """Report that ``rule_id`` was broken: raise, warn or pass on, as strictness says.

        ``detail`` says what happened (it names the message type and the field). The hint
        follows: ``servers``, what real servers do with *this* message (its field, its value,
        its state; the rule's own text when the call site has nothing more precise), then
        the fix; then the requirement.
        """
        __tracebackhide__ = True
        rule = RULES[rule_id]
        level: Severity = severity or rule.severity
        strict = self.strict
        if level == "pedantic" and strict == "error":
            return
        if rule_id in self.ignore:
            if self.transcript is not None:
                self.transcript.note(f"^ {rule_id} waived ({level}): {detail}")
            return
        hints = []
        said = servers if servers is not None else rule.servers
        if said and said != "-":
            hints.append(said if said[-1] in ".!?" else f"{said}.")
        if fix:
            hints.append(f"Fix: {fix}" + ("" if fix[-1] in ".)!?" else "."))
        hint = " ".join(hints)
        text = f"{rule_id}: {detail}." + (f" {hint}" if hint else "")
        if offending is not None and offending is not self.scope:
            text += f"\nOffending message: {format_message(offending)}"
        text += f"\nSpec ({level}): {rule.requirement} See {rule.link}"
        if self.transcript is not None:
            self.transcript.note(f"^ {rule_id} broken here ({level})")
        if strict == "warn":
            warnings.warn(ProtocolWarning(text, rule_id, level, hint), stacklevel=4)
            return
        error = ProtocolError(
            text,
            rule_id=rule_id,
            severity=level,
            offending=offending,
            field=field,
            hint=hint,
            transcript=self.transcript,
            scope=self.scope,
        )
        if self.on_finding is not None:
            self.on_finding(error)
            return
        raise error

    def is_quiet(self, severity: Severity) -> bool:
        """``True`` when findings of ``severity`` are ignored (pedantic ones in "error" mode)."""
        return severity == "pedantic" and self.strict == "error"
