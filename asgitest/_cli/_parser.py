"""The command line's arguments: one function per group of options and per command."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any, Final

from .._config import parse_lifespan, parse_strict, parse_timeout
from .._errors import InvalidArgument

__all__ = ["DEFAULT_TIMEOUT", "build_parser"]

DEFAULT_TIMEOUT: Final = 5.0

_EPILOG: Final = """\
APP is an import string, "package.module:attribute" (or "package.module:factory()"), looked
up from the current directory like uvicorn does.

examples:
  asgitest request examples.chat.app:app GET /
  asgitest request examples.chat.app:app POST /api/messages --json '{"user": "ann", "text": "hi"}'
  asgitest websocket examples.chat.app:app "/ws/chat?user=ann" --send hello
  asgitest lifespan examples.chat.app:app
  asgitest check examples.chat.app:app --websocket-path /ws/chat --send-json '{"text": "hi"}'

exit status: 0 ok, 1 the app failed (exception, timeout, violations), 2 usage error.
"""


def positive_float(text: str) -> float:
    """A --timeout: a number of seconds > 0 (unlike the library's timeouts, never "none": a
    command must end)."""
    try:
        value = parse_timeout(text, "--timeout", "on the command line")
    except InvalidArgument:
        value = None
    if value is None or value <= 0 or text.strip().lower() in ("none", "off", "inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a valid --timeout (on the command line). Valid values: a number "
            "of seconds > 0 (a command must end)."
        )
    return value


def strictness(text: str) -> str:
    """A --strict value, read by asgitest's one strictness parser (case-insensitive, 'on')."""
    try:
        return parse_strict(text, "--strict", "on the command line")
    except InvalidArgument as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def probe_strictness(text: str) -> str:
    """``asgitest check --strict``: as everywhere, but the probe needs the checker on."""
    value = strictness(text)
    if value == "off":
        raise argparse.ArgumentTypeError(
            "'off' is not a valid --strict for check: the probe checks the spec. Valid values: "
            "error (or 'on'), pedantic, warn."
        )
    return value


def lifespan_mode(text: str) -> str:
    """A --lifespan value, read by asgitest's one lifespan-mode parser."""
    try:
        return parse_lifespan(text, "--lifespan", "on the command line")
    except InvalidArgument as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def header(text: str) -> tuple[bytes, bytes]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f'expected a header as "Name: value", got {text!r}')
    try:
        return name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            f"header {text!r} has characters outside latin-1; HTTP headers are bytes"
        ) from None


def json_text(text: str) -> str:
    """A --send-json value: valid JSON, sent as the text frame it is."""
    try:
        json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected JSON, got {text!r}: {error}") from None
    return text


class _AppendFrame(argparse.Action):
    """``--send`` and ``--send-json`` add to one list, so the frames keep the order given."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        frames = list(getattr(namespace, self.dest, None) or [])
        items = values if isinstance(values, list) else [values]
        frames.extend(str(item) for item in items)
        setattr(namespace, self.dest, frames)


def _common_options() -> argparse.ArgumentParser:
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
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long the command waits for the app in all, lifespan included (default "
        f"{DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--lifespan",
        type=lifespan_mode,
        default=None,
        metavar="{auto,on,off}",
        help="run the app's lifespan startup first and shutdown last: auto (default, like "
        "uvicorn: an app without lifespan is served without it), on, off",
    )
    group.add_argument(
        "--backend", choices=("asyncio", "trio"), default="asyncio", help="async library"
    )
    group.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour output"
    )
    return common


def _strict_options() -> argparse.ArgumentParser:
    strict = argparse.ArgumentParser(add_help=False)
    strict.add_argument(
        "--strict",
        type=strictness,
        default="warn",
        metavar="{error,pedantic,warn,off}",
        help="ASGI spec checking (default: warn, printing findings and carrying on)",
    )
    strict.add_argument(
        "--pedantic",
        action="store_true",
        help="also print pedantic spec findings (rules every major server tolerates; not "
        "shown, nor counted, without this flag)",
    )
    strict.add_argument(
        "--transcript",
        action="store_true",
        help="print every ASGI message exchanged, both ways (on stderr)",
    )
    return strict


def _header_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        type=header,
        default=[],
        metavar='"Name: value"',
        help=f"a {what} header (repeatable)",
    )


def _add_request(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    request = commands.add_parser(
        "request",
        parents=parents,
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
    _header_option(request, "request")
    body = request.add_mutually_exclusive_group()
    body.add_argument("-d", "--data", metavar="TEXT", help="the request body (@FILE reads a file)")
    body.add_argument(
        "--json", dest="json_body", metavar="JSON", help="a JSON body (sets content-type)"
    )
    request.add_argument(
        "--max-time",
        type=positive_float,
        metavar="SECONDS",
        help="stop reading after this long and disconnect (for streams that never end)",
    )
    request.add_argument("-s", "--silent-headers", action="store_true", help="print the body only")


def _add_websocket(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    websocket = commands.add_parser(
        "websocket",
        parents=parents,
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
    _header_option(websocket, "handshake")
    websocket.add_argument(
        "--subprotocol", action="append", default=[], help="a subprotocol to offer (repeatable)"
    )
    websocket.add_argument(
        "--wait",
        type=positive_float,
        default=0.2,
        metavar="SECONDS",
        help="after each step, print frames until the app is quiet this long (default 0.2)",
    )


def _add_lifespan(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    commands.add_parser(
        "lifespan",
        parents=parents,
        help="run the app's lifespan startup and shutdown and report",
        description="Run lifespan startup, report the state the app set, run shutdown.",
    )


def _add_check(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        parents=parents,
        help="probe the app for ASGI spec conformance (non-zero exit on violations)",
        description="Run a conformance probe with the spec checker on: lifespan, GET and "
        "HEAD of a path, an unknown path, a POST with a chunked body, a client disconnect, "
        "a WebSocket connect. Prints each finding with its rule id; exits 1 on violations. "
        "What the app logs or prints meanwhile is shown after the report, on stderr.",
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
        "--send",
        dest="frames",
        action=_AppendFrame,
        metavar="TEXT",
        help='a text frame the WebSocket step sends (repeatable; default "asgitest probe")',
    )
    check.add_argument(
        "--send-json",
        dest="frames",
        action=_AppendFrame,
        type=json_text,
        metavar="JSON",
        help="a JSON text frame the WebSocket step sends (repeatable, in order with --send)",
    )
    check.add_argument(
        "--strict",
        type=probe_strictness,
        default="error",
        metavar="{error,pedantic,warn}",
        help="error (default): a violation ends its step; pedantic: also the pedantic rules; "
        "warn: collect everything as warnings",
    )
    check.add_argument("--fail-on-warnings", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--json", dest="as_json", action="store_true", help="print JSON")


def build_parser() -> argparse.ArgumentParser:
    """The ``asgitest`` parser with its four commands."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("asgitest")
    except PackageNotFoundError:  # (run from a checkout that is not installed)
        __version__ = "unknown"

    parser = argparse.ArgumentParser(
        prog="asgitest",
        description="Poke an ASGI application in-process, without a server.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"asgitest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common, strict = _common_options(), _strict_options()
    _add_request(commands, [common, strict])
    _add_websocket(commands, [common, strict])
    _add_lifespan(commands, [common, strict])
    _add_check(commands, [common])
    return parser
