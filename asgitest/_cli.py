"""The ``asgitest`` command: poke an ASGI app in-process, no server needed.

``asgitest request|websocket|lifespan|check APP ...`` (also ``python -m asgitest``). Exit
status: 0 when all went well, 1 when the app failed (an exception, a timeout, a refused
connection, spec violations found by ``check``), 2 for a usage error (a bad option, an import
string that does not resolve, an object that is not an ASGI app).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, NoReturn

from ._config import normalize_strict
from ._errors import (
    AsgitestError,
    InvalidApplication,
    LeakedAppWarning,
    ProtocolError,
    ProtocolWarning,
    Timeout,
    UsageError,
)
from ._transcript import Transcript

if TYPE_CHECKING:
    from ._config import Strictness

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

_DEFAULT_TIMEOUT: Final = 5.0
# An app that blocks the event loop (time.sleep, a sync socket read) defeats every async
# timeout; a watchdog thread notices when the loop has not ticked for this long after the
# timeout and ends the process with what it knows.
_WATCHDOG_GRACE: Final = 3.0

_EPILOG: Final = """\
APP is an import string, "package.module:attribute" (or "package.module:factory()"), looked
up from the current directory like uvicorn does.

examples:
  asgitest request examples.chat.app:app GET /
  asgitest request examples.chat.app:app POST /api/messages --json '{"user": "ann", "text": "hi"}'
  asgitest websocket examples.chat.app:app "/ws/chat?user=ann" --send hello
  asgitest lifespan examples.chat.app:app
  asgitest check examples.chat.app:app --websocket-path /ws/chat

exit status: 0 ok, 1 the app failed (exception, timeout, violations), 2 usage error.
"""


class _Exit(Exception):
    """Ends a command with an exit status (after its message was printed)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


# ---------------------------------------------------------------------- terminal output


class _Style:
    """ANSI colours, only when the stream is a terminal and ``NO_COLOR`` is unset."""

    _CODES: Final = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
        "magenta": "35",
        "cyan": "36",
    }

    def __init__(self, stream: IO[str], mode: str = "auto") -> None:
        if mode == "always":
            self.enabled = True
        elif mode == "never":
            self.enabled = False
        else:
            self.enabled = (
                hasattr(stream, "isatty")
                and stream.isatty()
                and not os.environ.get("NO_COLOR")
                and os.environ.get("TERM") != "dumb"
            )

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(self._CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"


class _Output:
    def __init__(self, color: str) -> None:
        self.out = sys.stdout
        self.err = sys.stderr
        self.style = _Style(self.out, color)
        self.err_style = _Style(self.err, color)

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str, *styles: str) -> None:
        """A line on stderr (diagnostics, so that stdout stays the response)."""
        self.err.write(self.err_style(text, *styles) + "\n")
        self.err.flush()

    def error(self, text: str) -> None:
        self.note(f"asgitest: error: {text}", "red")

    def transcript(self, transcript: Transcript, title: str = "Transcript") -> None:
        self.note(f"{title} ({transcript.total} messages):", "bold")
        self.note(transcript.render())


# ---------------------------------------------------------------------- the watchdog


class _Watchdog:
    """Ends the process if the event loop stops ticking (an app blocking it forever)."""

    def __init__(self, output: _Output, limit: float) -> None:
        self.output = output
        self.limit = limit
        self.beat = time.monotonic()
        self.transcripts: list[Transcript] = []
        self.status = EXIT_FAILED
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="asgitest-watchdog", daemon=True)

    def start(self) -> None:
        self.beat = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            stalled = time.monotonic() - self.beat
            if stalled > self.limit:
                self._fire(stalled)

    def _fire(self, stalled: float) -> None:
        out = self.output
        out.error(
            f"the event loop has been blocked for {stalled:.1f}s: the app (or something it "
            "calls) runs synchronous code that does not return, e.g. time.sleep() or a blocking "
            "socket read, so no asgitest timeout can fire. Giving up."
        )
        for transcript in self.transcripts:
            out.transcript(transcript)
        out.note("Where each thread is (the main thread runs the app):", "bold")
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(EXIT_FAILED)

    async def heartbeat(self) -> None:
        import anyio

        while True:
            self.beat = time.monotonic()
            await anyio.sleep(0.1)


# ---------------------------------------------------------------------- argument parsing


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def _header(text: str) -> tuple[bytes, bytes]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f'expected a header as "Name: value", got {text!r}')
    try:
        return name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            f"header {text!r} has characters outside latin-1; HTTP headers are bytes"
        ) from None


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("loading and running the app")
    group.add_argument("app", metavar="APP", help='import string: "package.module:attribute"')
    group.add_argument(
        "--app-dir", metavar="DIR", help="look for APP in this directory first (like uvicorn)"
    )
    group.add_argument(
        "--factory", action="store_true", help="APP is a function to call to get the app"
    )
    group.add_argument(
        "--settings",
        metavar="MODULE",
        help="Django settings module (sets DJANGO_SETTINGS_MODULE; the environment is honoured)",
    )
    group.add_argument(
        "--timeout",
        type=_positive_float,
        default=_DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for each answer of the app (default {_DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--lifespan",
        choices=("auto", "on", "off"),
        default=None,
        help="run the app's lifespan startup first and shutdown last: auto (default; an "
        "app without lifespan is fine), on, off",
    )
    group.add_argument(
        "--backend", choices=("asyncio", "trio"), default="asyncio", help="async library"
    )
    group.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour output"
    )

    strict = argparse.ArgumentParser(add_help=False)
    strict.add_argument(
        "--strict",
        choices=("error", "pedantic", "warn", "off"),
        default="warn",
        help="ASGI spec checking (default: warn, printing findings and carrying on)",
    )
    strict.add_argument(
        "--pedantic",
        action="store_true",
        help="also print pedantic spec findings (rules every major server tolerates)",
    )
    strict.add_argument(
        "--transcript",
        action="store_true",
        help="print every ASGI message exchanged, both ways (on stderr)",
    )

    parser = argparse.ArgumentParser(
        prog="asgitest",
        description="Poke an ASGI application in-process, without a server.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"asgitest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    request = commands.add_parser(
        "request",
        parents=[common, strict],
        help="send one HTTP request and print the response like curl -i",
        description="Send one HTTP request and print the status line, the headers and the "
        "body. A streamed body is printed as it arrives.",
    )
    request.add_argument(
        "target",
        nargs="+",
        metavar="[METHOD] PATH",
        help="the method (default GET, or POST with --data/--json) and the path with its query",
    )
    request.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        type=_header,
        default=[],
        metavar='"Name: value"',
        help="a request header (repeatable)",
    )
    body = request.add_mutually_exclusive_group()
    body.add_argument("-d", "--data", metavar="TEXT", help="the request body (@FILE reads a file)")
    body.add_argument(
        "--json", dest="json_body", metavar="JSON", help="a JSON body (sets content-type)"
    )
    request.add_argument(
        "--max-time",
        type=_positive_float,
        metavar="SECONDS",
        help="stop reading after this long and disconnect (for streams that never end)",
    )
    request.add_argument("-s", "--silent-headers", action="store_true", help="print the body only")

    websocket = commands.add_parser(
        "websocket",
        parents=[common, strict],
        help="open a WebSocket, send frames, print what the app sends back",
        description="Open a WebSocket, send each --send text as a frame, print every frame "
        "the app sends back and how the connection closed.",
    )
    websocket.add_argument("path", metavar="PATH", help="the path with its query")
    websocket.add_argument(
        "--send",
        action="extend",
        nargs="+",
        default=[],
        metavar="TEXT",
        help="text frames to send, in order",
    )
    websocket.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        type=_header,
        default=[],
        metavar='"Name: value"',
        help="a handshake header (repeatable)",
    )
    websocket.add_argument(
        "--subprotocol", action="append", default=[], help="a subprotocol to offer (repeatable)"
    )
    websocket.add_argument(
        "--wait",
        type=_positive_float,
        default=0.2,
        metavar="SECONDS",
        help="after each step, print frames until the app is quiet this long (default 0.2)",
    )

    lifespan = commands.add_parser(
        "lifespan",
        parents=[common, strict],
        help="run the app's lifespan startup and shutdown and report",
        description="Run lifespan startup, report the state the app set, run shutdown.",
    )
    del lifespan

    check = commands.add_parser(
        "check",
        parents=[common],
        help="probe the app for ASGI spec conformance (non-zero exit on violations)",
        description="Run a conformance probe with the spec checker on: lifespan, GET and "
        "HEAD of a path, an unknown path, a POST with a chunked body, a client disconnect, "
        "a WebSocket connect. Prints each finding with its rule id; exits 1 on violations.",
    )
    check.add_argument("--path", default="/", help="the path to GET and HEAD (default /)")
    check.add_argument("--post-path", metavar="PATH", help="the path to POST to (default --path)")
    check.add_argument(
        "--disconnect-path", metavar="PATH", help="the path of the disconnect step (default --path)"
    )
    check.add_argument(
        "--websocket-path", metavar="PATH", help="the WebSocket path (default --path)"
    )
    check.add_argument(
        "--strict",
        choices=("error", "pedantic", "warn"),
        default="error",
        help="error (default): a violation ends its step; pedantic: also the pedantic rules; "
        "warn: collect everything as warnings",
    )
    check.add_argument("--fail-on-warnings", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
    return parser


# ---------------------------------------------------------------------- loading the app


def _load(args: argparse.Namespace, output: _Output) -> Any:
    from ._loader import load_app

    if args.settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    try:
        return load_app(args.app, app_dir=args.app_dir, factory=args.factory)
    except (UsageError, InvalidApplication) as error:
        # AppNotFound and InvalidApplication say it all; a UsageError wrapping an exception
        # of the user's code (a module raising at import, django.setup()) shows its traceback.
        cause = error.__cause__ if isinstance(error, UsageError) else None
        output.error(str(error) + (". The traceback:" if cause is not None else ""))
        if cause is not None:
            traceback.print_exception(cause, file=output.err)
        raise _Exit(EXIT_USAGE) from None
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        output.error(
            f"importing {args.app!r} raised {type(error).__name__}: {error}. The traceback:"
        )
        traceback.print_exception(error, file=output.err)
        raise _Exit(EXIT_USAGE) from None


# ---------------------------------------------------------------------- the commands


def _report_warnings(
    caught: list[warnings.WarningMessage], output: _Output, pedantic: bool = False
) -> None:
    """Print the warnings; pedantic spec findings only when asked (every framework has some)."""
    hidden = 0
    for record in caught:
        warning = record.message
        if isinstance(warning, ProtocolWarning) and warning.severity == "pedantic" and not pedantic:
            hidden += 1
        elif isinstance(warning, ProtocolWarning):
            rule = f"[{warning.rule_id}] " if warning.rule_id else ""
            text = str(warning)
            if warning.rule_id and text.startswith(f"{warning.rule_id}: "):
                text = text[len(warning.rule_id) + 2 :]
            output.note(f"asgitest: spec warning {rule}{text}", "yellow")
        elif isinstance(warning, LeakedAppWarning):
            output.note(f"asgitest: {warning}", "yellow")
        else:
            output.note(f"{record.category.__name__}: {warning}", "yellow")
    if hidden:
        output.note(
            f"asgitest: {hidden} pedantic spec finding{'s' if hidden != 1 else ''} not shown "
            "(rerun with --pedantic to see them)",
            "dim",
        )


def _fail(output: _Output, error: BaseException, transcript: Transcript, full: bool) -> NoReturn:
    """Print an app's failure with the transcript, and exit 1.

    asgitest's own errors carry the recent transcript as a note; an exception the app raised
    is printed with its traceback, then the transcript. ``full`` prints the whole transcript.
    """
    if isinstance(error, ProtocolError):
        output.error(f"the app broke ASGI rule {error.rule_id}: {_first_line(error)}")
    elif isinstance(error, AsgitestError):
        output.error(str(error))
    else:
        output.error(f"the app raised {type(error).__name__}: {error}")
        traceback.print_exception(error, file=output.err)
    if full:
        output.transcript(transcript)
    elif isinstance(error, AsgitestError):
        _print_error_notes(output, error)
    else:
        output.transcript(transcript)
    raise _Exit(EXIT_FAILED)


def _print_error_notes(output: _Output, error: BaseException) -> None:
    for note in getattr(error, "__notes__", ()):
        output.note(note)


class _Runner:
    """Shared by the commands: the app, output, timeouts, lifespan around the work."""

    def __init__(
        self, args: argparse.Namespace, output: _Output, app: Any, watchdog: _Watchdog
    ) -> None:
        self.args = args
        self.output = output
        self.app = app
        self.watchdog = watchdog
        self.timeout: float = args.timeout
        self.strict: Strictness = normalize_strict(getattr(args, "strict", "warn"))
        self.state: dict[str, Any] | None = None

    def watch(self, transcript: Transcript) -> None:
        self.watchdog.transcripts.append(transcript)

    async def with_lifespan(self, work: Callable[[], Awaitable[int]], mode: str) -> int:
        from ._probe import LifespanSession

        if mode == "off":
            return await work()
        output = self.output
        session = LifespanSession(self.app, timeout=self.timeout, strict=self.strict)
        self.watch(session.transcript)
        async with session:
            try:
                outcome = await session.startup()
            except (Timeout, ProtocolError) as error:
                output.error(f"lifespan startup: {_first_line(error)}")
                _print_error_notes(output, error)
                return EXIT_FAILED
            if outcome == "failed":
                output.error(f"lifespan startup failed: {session.detail}")
                if session.error is not None:
                    traceback.print_exception(session.error, file=output.err)
                output.transcript(session.transcript, "Lifespan transcript")
                return EXIT_FAILED
            if outcome == "unsupported":
                if mode == "on":
                    output.error(f"the app does not support lifespan: {session.detail}")
                    return EXIT_FAILED
            else:
                self.state = session.state
            try:
                status = await work()
            except _Exit as stop:
                status = stop.status
            if outcome == "complete":
                try:
                    if await session.shutdown() == "failed":
                        output.error(f"lifespan shutdown failed: {session.shutdown_detail}")
                        return EXIT_FAILED
                except (Timeout, ProtocolError) as error:
                    output.error(f"lifespan shutdown: {_first_line(error)}")
                    _print_error_notes(output, error)
                    return EXIT_FAILED
        if session.leaked:
            output.note(f"asgitest: {session.leaked}", "yellow")
        return status

    def extra_scope(self) -> dict[str, Any] | None:
        return {"state": dict(self.state)} if self.state is not None else None

    # ------------------------------------------------------------------ request

    async def request(self) -> int:
        return await self.with_lifespan(self._request, self.args.lifespan or "auto")

    def _request_parts(self) -> tuple[str, str, bytes, list[tuple[bytes, bytes]]]:
        args = self.args
        body = b""
        headers: list[tuple[bytes, bytes]] = list(args.headers)
        names = {name for name, _ in headers}
        if args.json_body is not None:
            try:
                json.loads(args.json_body)
            except ValueError as error:
                self.output.error(f"--json is not valid JSON: {error}")
                raise _Exit(EXIT_USAGE) from None
            body = args.json_body.encode()
            if b"content-type" not in names:
                headers.append((b"content-type", b"application/json"))
        elif args.data is not None:
            if args.data.startswith("@"):
                try:
                    with open(args.data[1:], "rb") as file:
                        body = file.read()
                except OSError as error:
                    self.output.error(f"cannot read --data file: {error}")
                    raise _Exit(EXIT_USAGE) from None
            else:
                body = args.data.encode()
        target = args.target
        if len(target) == 1:
            method, path = ("POST" if body else "GET"), target[0]
        elif len(target) == 2:
            method, path = target
        else:
            self.output.error(
                f"expected [METHOD] PATH, got {' '.join(target)!r}; quote a path that has spaces"
            )
            raise _Exit(EXIT_USAGE)
        if not path.startswith("/"):
            self.output.error(f"the path must start with '/', got {path!r}")
            raise _Exit(EXIT_USAGE)
        if b"host" not in names:
            headers.insert(0, (b"host", b"testserver"))
        if body and b"content-length" not in names:
            headers.append((b"content-length", str(len(body)).encode()))
        return method.upper(), path, body, headers

    async def _request(self) -> int:
        import anyio

        from ._http import HttpCommunicator
        from ._probe import describe_status, receive

        method, path, body, headers = self._request_parts()
        output = self.output
        communicator = HttpCommunicator(
            self.app,
            method,
            path,
            body,
            headers,
            timeout=self.timeout,
            strict=self.strict,
            scope=self.extra_scope(),
        )
        self.watch(communicator.transcript)
        style = output.style
        complete = False
        stopped = False
        try:
            async with communicator:
                communicator.sent_request = True
                await communicator.send_input({"type": "http.request", "body": body})
                with anyio.move_on_after(self.args.max_time) as scope:
                    start = await receive(communicator, '"http.response.start"')
                    if start.get("type") != "http.response.start":
                        raise communicator._unexpected('"http.response.start"', start)
                    status = start.get("status")
                    if not self.args.silent_headers:
                        colour = "green" if isinstance(status, int) and status < 400 else "red"
                        version = communicator.scope.get("http_version", "1.1")
                        output.line(
                            style(f"HTTP/{version} {describe_status(status)}", "bold", colour)
                        )
                        for name, value in start.get("headers") or []:
                            output.line(f"{style(_text(name), 'cyan')}: {_text(value)}")
                        output.line()
                    while True:
                        message = await receive(communicator, '"http.response.body"')
                        if message.get("type") != "http.response.body":
                            raise communicator._unexpected('"http.response.body"', message)
                        chunk = message.get("body", b"")
                        if chunk:
                            _write_body(output, chunk)
                        if not message.get("more_body", False):
                            complete = True
                            break
                stopped = scope.cancelled_caught
        except Exception as error:
            _fail(output, error, communicator.transcript, self.args.transcript)
        if complete or stopped:
            _end_line(output)
        if stopped:
            output.note(
                f"asgitest: stopped after --max-time {self.args.max_time:g}s and disconnected; "
                "the response was still streaming.",
                "dim",
            )
        if self.args.transcript:
            output.transcript(communicator.transcript)
        return EXIT_OK

    # ------------------------------------------------------------------ websocket

    async def websocket(self) -> int:
        return await self.with_lifespan(self._websocket, self.args.lifespan or "auto")

    async def _websocket(self) -> int:
        from ._websocket import WebsocketCommunicator

        args = self.args
        output = self.output
        style = output.style
        headers = list(args.headers)
        if b"host" not in {name for name, _ in headers}:
            headers.insert(0, (b"host", b"testserver"))
        communicator = WebsocketCommunicator(
            self.app,
            args.path,
            headers,
            args.subprotocol or None,
            timeout=self.timeout,
            strict=self.strict,
            scope=self.extra_scope(),
        )
        self.watch(communicator.transcript)
        status = EXIT_OK
        closed_by_app = False
        try:
            async with communicator:
                connected, detail = await communicator.connect()
                if not connected:
                    output.line(
                        style(f"refused: the app closed the handshake with code {detail}", "red")
                        + (f" ({communicator.close_reason})" if communicator.close_reason else "")
                    )
                    status = EXIT_FAILED
                else:
                    protocol = f" (subprotocol {detail!r})" if detail else ""
                    output.line(style(f"connected to {args.path}{protocol}", "green"))
                    closed_by_app = await self._drain(communicator)
                    for text in args.send:
                        if closed_by_app:
                            output.note(
                                f"asgitest: not sent, the socket is closed: {text!r}", "dim"
                            )
                            continue
                        await communicator.send_to(text_data=text)
                        output.line(f"{style('>', 'blue', 'bold')} {text}")
                        closed_by_app = await self._drain(communicator)
                    if not closed_by_app:
                        await communicator.disconnect()
                        output.line(style("closed by the client with code 1000", "dim"))
        except Exception as error:
            _fail(output, error, communicator.transcript, args.transcript)
        if args.transcript:
            output.transcript(communicator.transcript)
        return status

    async def _drain(self, communicator: Any) -> bool:
        """Print frames until the app is quiet for --wait seconds; True if it closed."""
        output = self.output
        style = output.style
        while not await communicator.receive_nothing(self.args.wait):
            message = await communicator.receive_output()
            kind = message.get("type")
            if kind == "websocket.send":
                text = message.get("text")
                payload = text if text is not None else repr(message.get("bytes"))
                output.line(f"{style('<', 'magenta', 'bold')} {payload}")
            elif kind == "websocket.close":
                code = message.get("code", 1000)
                reason = message.get("reason") or ""
                output.line(
                    style(f"closed by the app with code {code}", "yellow")
                    + (f" (reason: {reason})" if reason else "")
                )
                await communicator.wait()
                return True
            else:
                output.line(f"{style('?', 'red')} {message!r}")
        return False

    # ------------------------------------------------------------------ lifespan

    async def lifespan(self) -> int:
        from ._probe import LifespanSession

        output = self.output
        style = output.style
        session = LifespanSession(self.app, timeout=self.timeout, strict=self.strict)
        self.watch(session.transcript)
        status = EXIT_OK
        async with session:
            started = time.monotonic()
            try:
                outcome = await session.startup()
            except (Timeout, ProtocolError) as error:
                output.line(style("startup: did not complete", "red"))
                output.error(_first_line(error))
                _print_error_notes(output, error)
                return EXIT_FAILED
            elapsed = time.monotonic() - started
            if outcome == "unsupported":
                output.line(style(f"startup: not supported ({session.detail})", "yellow"))
                output.line(
                    "Servers in lifespan=auto mode (uvicorn's default) carry on without it."
                )
                return EXIT_FAILED if self.args.lifespan == "on" else EXIT_OK
            if outcome == "failed":
                output.line(style(f"startup: failed: {session.detail}", "red"))
                if session.error is not None:
                    traceback.print_exception(session.error, file=output.err)
                status = EXIT_FAILED
            else:
                output.line(style(f"startup: complete in {elapsed:.3f}s", "green"))
                if session.state:
                    output.line("state:")
                    for key, value in session.state.items():
                        output.line(f"  {key}: {_short_repr(value)}")
                else:
                    output.line("state: (empty)")
                started = time.monotonic()
                try:
                    outcome = await session.shutdown()
                except (Timeout, ProtocolError) as error:
                    output.line(style("shutdown: did not complete", "red"))
                    output.error(_first_line(error))
                    _print_error_notes(output, error)
                    return EXIT_FAILED
                elapsed = time.monotonic() - started
                if outcome == "complete":
                    output.line(style(f"shutdown: complete in {elapsed:.3f}s", "green"))
                else:
                    output.line(style(f"shutdown: failed: {session.shutdown_detail}", "red"))
                    status = EXIT_FAILED
        if self.args.transcript or status != EXIT_OK:
            output.transcript(session.transcript, "Lifespan transcript")
        return status

    # ------------------------------------------------------------------ check

    async def check(self) -> int:
        from ._probe import run_probe

        args = self.args
        report = await run_probe(
            self.app,
            name=args.app,
            path=args.path,
            post_path=args.post_path,
            disconnect_path=args.disconnect_path,
            websocket_path=args.websocket_path,
            timeout=self.timeout,
            strict=args.strict,
            lifespan=args.lifespan or "auto",
        )
        ok = report.ok(fail_on_warnings=args.fail_on_warnings)
        if args.as_json:
            data = report.as_dict()
            data["ok"] = ok
            self.output.line(json.dumps(data, indent=2))
            return EXIT_OK if ok else EXIT_FAILED
        output = self.output
        style = output.style
        output.line(style(f"asgitest check {args.app}", "bold"))
        marks = {"ok": ("ok", "green"), "findings": ("!!", "yellow"), "failed": ("FAIL", "red")}
        for step in report.steps:
            mark, colour = marks.get(step.outcome, (step.outcome, "yellow"))
            summary = f"  {style(step.summary, 'dim')}" if step.summary else ""
            output.line(f"  {style(f'{mark:>4}', colour, 'bold')}  {step.name}{summary}")
        if report.findings:
            output.line()
            output.line(style("Findings:", "bold"))
        colours = {"error": "red", "warning": "yellow", "info": "blue"}
        for finding in report.findings:
            rule = f"[{finding.rule_id}] " if finding.rule_id else ""
            label = style(f"{finding.severity}", colours[finding.severity], "bold")
            output.line(f"  {label} {rule}{finding.step}: {finding.message}")
            if finding.transcript and finding.severity == "error":
                for line in finding.transcript.splitlines():
                    output.line(style(f"      {line}", "dim"))
        output.line()
        errors, warns = len(report.errors), len(report.warnings)
        verdict = (
            style("no violations found", "green", "bold")
            if ok
            else style(f"{errors} violation(s)", "red", "bold")
        )
        output.line(f"{verdict}, {warns} warning(s), {len(report.steps)} steps")
        return EXIT_OK if ok else EXIT_FAILED


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _short_repr(value: Any, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _write_body(output: _Output, chunk: bytes) -> None:
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        if output.out.isatty():
            output.out.write(f"[{len(chunk)} bytes of binary data]\n")
        else:
            output.out.flush()
            output.out.buffer.write(chunk)
            output.out.buffer.flush()
        return
    output.out.write(text)
    output.out.flush()
    output._last_char = text[-1:]  # type: ignore[attr-defined]


def _end_line(output: _Output) -> None:
    # Like curl, the body is printed as it is; add a newline if it did not end with one, so
    # the shell prompt starts on its own line.
    if getattr(output, "_last_char", "\n") != "\n":
        output.out.write("\n")
        output.out.flush()


# ---------------------------------------------------------------------- entry point


def _shows_pedantic(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "pedantic", False)) or getattr(args, "strict", "") == "pedantic"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``asgitest`` command line and return its exit status.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    output = _Output(args.color)
    watchdog = _Watchdog(output, args.timeout + _WATCHDOG_GRACE)
    try:
        app = _load(args, output)
        runner = _Runner(args, output, app, watchdog)
        command = getattr(runner, args.command)
    except _Exit as stop:
        return stop.status

    import anyio

    async def run() -> int:
        async with anyio.create_task_group() as group:
            group.start_soon(watchdog.heartbeat)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("default")
                    warnings.simplefilter("always", ProtocolWarning)
                    warnings.simplefilter("always", LeakedAppWarning)
                    try:
                        status: int = await command()
                    finally:
                        _report_warnings(caught, output, _shows_pedantic(args))
            except _Exit as stop:
                status = stop.status
            finally:
                group.cancel_scope.cancel()
        return status

    watchdog.start()
    try:
        return anyio.run(run, backend=args.backend)
    except InvalidApplication as error:
        # e.g. the app's __call__ returned something that is not awaitable
        output.error(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        output.note("asgitest: interrupted", "dim")
        return 130
    finally:
        watchdog.stop()


def _entry() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _entry()
