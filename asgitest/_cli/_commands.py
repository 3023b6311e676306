"""The four commands: ``request``, ``websocket``, ``lifespan`` and ``check``.

Each command drives the app through asgitest's communicators and prints what the app sent.
``--timeout`` bounds the lifespan startup, and then, as one budget, the whole conversation
(request and response, or the WebSocket): every wait takes what is left of it. When the
command stops waiting (the budget is spent, ``--max-time``, an error), the app is told the
client went away and gets the rest of the budget, or a short grace, to return; that second
wait is announced on stderr when the app does not return at once.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from .._config import get_timeout_factor, normalize_strict
from .._errors import (
    AsgitestError,
    InvalidApplication,
    ProtocolError,
    Timeout,
    UnexpectedMessage,
    UsageError,
)
from .._transcript import format_message
from ._lifespan import CliLifespan, Started
from ._output import (
    Output,
    body_bytes,
    describe_status,
    first_line,
    header_lines,
    short_repr,
    truthy,
)
from ._probe import receive

if TYPE_CHECKING:
    from .._config import Strictness
    from .._transcript import Transcript
    from ._watchdog import Watchdog

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "Exit", "Runner", "load"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

# How long an app gets to return once the command stopped waiting and the budget is spent.
_GRACE: Final = 0.25


# How long an app may take to return after the disconnect before the wait is announced.
_QUIET_RETURN: Final = 0.1


class Exit(Exception):
    """Ends a command with an exit status (after its message was printed)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Budget:
    """``--timeout`` as one budget for the whole command (times the timeout factor).

    The communicators scale every timeout by the factor themselves, so :meth:`left` and
    :meth:`grace` are in unscaled seconds.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.factor = get_timeout_factor()
        self.deadline: float | None = None  # set by the first wait

    def left(self) -> float:
        """What is left of the budget (at least a hair, so a waiting message is still read).

        The first call starts the clock and gets the whole budget.
        """
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds * self.factor
            return self.seconds
        return max(round((self.deadline - time.monotonic()) / self.factor, 3), 0.001)

    def spent(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def grace(self) -> float:
        """For the wait after the command stopped waiting: what is left, or a short grace."""
        return max(self.left(), min(_GRACE, self.seconds))


def load(args: argparse.Namespace, output: Output) -> Any:
    """Import the app named by ``APP``; a failure prints why and exits with status 2."""
    import traceback

    from .._loader import load_app

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
        raise Exit(EXIT_USAGE) from None
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        output.error(
            f"importing {args.app!r} raised {type(error).__name__}: {error}. The traceback:"
        )
        traceback.print_exception(error, file=output.err)
        raise Exit(EXIT_USAGE) from None


def _ours(error: BaseException) -> bool:
    """Whether ``error`` was raised by the command's own code (a bug in asgitest)."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    return last is not None and os.sep + "_cli" + os.sep in last.tb_frame.f_code.co_filename


def report_failure(output: Output, error: BaseException, transcript: Transcript, full: bool) -> int:
    """Print an app's failure with the transcript; return the exit status (1).

    asgitest's own errors carry the recent transcript as a note; an exception the app raised
    is printed with its traceback, then the transcript. ``full`` prints the whole transcript.
    """
    if isinstance(error, ProtocolError):
        output.error(f"the app broke ASGI rule {error.rule_id}: {first_line(error)}")
    elif isinstance(error, AsgitestError):
        output.error(str(error))
    elif _ours(error):
        output.error(
            f"asgitest failed on what the app sent ({type(error).__name__}: {error}). This is "
            "a bug in asgitest, not in the app; please report it with the transcript below."
        )
        output.traceback(error)
    else:
        output.error(f"the app raised {type(error).__name__}: {error}")
        output.traceback(error)
    if full:
        output.transcript(transcript)
    elif isinstance(error, AsgitestError):
        print_error_notes(output, error)
    else:
        output.transcript(transcript)
    return EXIT_FAILED


def print_error_notes(output: Output, error: BaseException) -> None:
    for note in getattr(error, "__notes__", ()):
        output.note(note)


def _unexpected(communicator: Any, expected: str, message: Any) -> UnexpectedMessage:
    return UnexpectedMessage(
        f"Expected {expected} from the app, got {format_message(message)}.",
        message=message,
        transcript=communicator.transcript,
        scope=communicator.scope,
    )


class Runner:
    """Shared by the commands: the app, output, the timeout budget, lifespan around the work."""

    def __init__(
        self, args: argparse.Namespace, output: Output, app: Any, watchdog: Watchdog
    ) -> None:
        self.args = args
        self.output = output
        self.app = app
        self.watchdog = watchdog
        self.budget = Budget(args.timeout)
        self.strict: Strictness = normalize_strict(getattr(args, "strict", "warn"))
        self.state: dict[str, Any] | None = None

    def watch(self, transcript: Transcript) -> None:
        self.watchdog.transcripts.append(transcript)

    def extra_scope(self) -> dict[str, Any] | None:
        return {"state": dict(self.state)} if self.state is not None else None

    # ------------------------------------------------------------------ lifespan around

    async def with_lifespan(self, work: Callable[[], Awaitable[int]]) -> int:
        mode = self.args.lifespan or "auto"
        if mode == "off":
            return await work()
        output = self.output
        lifespan = CliLifespan(self.app, mode=mode, timeout=self.args.timeout, strict=self.strict)
        self.watch(lifespan.transcript)
        try:
            try:
                started = await lifespan.startup(self.args.timeout)
            except Timeout as error:
                output.error(f"lifespan startup: {first_line(error)}")
                print_error_notes(output, error)
                return EXIT_FAILED
            if started.outcome == "failed":
                self._startup_failed(started, lifespan)
                return EXIT_FAILED
            if started.outcome == "unsupported":
                output.note(
                    f"asgitest: lifespan appears unsupported: the app {_strip(started.detail)}; "
                    "carrying on without it, as uvicorn's --lifespan auto does (--lifespan on "
                    "requires it)",
                    "dim",
                )
            else:
                self.state = lifespan.state
            try:
                status = await work()
            except Exit as stop:
                status = stop.status
            try:
                failure = await lifespan.shutdown(
                    self.budget.grace() if self.budget.deadline is not None else self.args.timeout
                )
            except Timeout as error:
                output.error(f"lifespan shutdown: {first_line(error)}")
                print_error_notes(output, error)
                return EXIT_FAILED
            if failure is not None:
                output.error(f"lifespan shutdown failed: {failure}")
                return EXIT_FAILED
            return status
        finally:
            await lifespan.aclose()

    def _startup_failed(self, started: Started, lifespan: CliLifespan) -> None:
        output = self.output
        rule = f" (ASGI rule {started.rule_id})" if started.rule_id else ""
        output.error(f"lifespan startup failed{rule}: {started.detail}")
        if started.error is not None and not isinstance(started.error, AsgitestError):
            output.traceback(started.error)
        output.transcript(lifespan.transcript, "Lifespan transcript")

    async def _let_return(self, communicator: Any, why: str, close: Any) -> None:
        """Tell the app the client is gone (``close``) and give it the rest of the budget (or
        a short grace) to return; say so when it does not return at once."""
        import anyio

        # An app that is returning now (a few awaits of clean-up) gets to finish unannounced.
        quiet_until = anyio.current_time() + _QUIET_RETURN
        while not communicator.future.done() and anyio.current_time() < quiet_until:  # noqa: ASYNC110
            await anyio.sleep(0.005)  # (the app's task has no event to wait on that works on trio)
        if communicator.future.done():
            return
        grace = self.budget.grace()
        self.output.note(
            f"asgitest: {why}; waiting up to {grace:.2g}s for the app to return", "dim"
        )
        await close(grace)

    # ------------------------------------------------------------------ request

    async def request(self) -> int:
        return await self.with_lifespan(self._request)

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
                raise Exit(EXIT_USAGE) from None
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
                    raise Exit(EXIT_USAGE) from None
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
            raise Exit(EXIT_USAGE)
        if not path.startswith("/"):
            self.output.error(f"the path must start with '/', got {path!r}")
            raise Exit(EXIT_USAGE)
        if b"host" not in names:
            headers.insert(0, (b"host", b"testserver"))
        if body and b"content-length" not in names:
            headers.append((b"content-length", str(len(body)).encode()))
        return method.upper(), path, body, headers

    async def _request(self) -> int:
        import anyio

        from .._http import HttpCommunicator

        method, path, body, headers = self._request_parts()
        output = self.output
        communicator = HttpCommunicator(
            self.app,
            method,
            path,
            body,
            headers,
            timeout=self.args.timeout,
            strict=self.strict,
            scope=self.extra_scope(),
        )
        self.watch(communicator.transcript)
        started = complete = stopped = False
        failure: BaseException | None = None
        status = EXIT_OK
        try:
            async with communicator:
                try:
                    communicator.sent_request = True
                    await communicator.send_input({"type": "http.request", "body": body})
                    with anyio.move_on_after(self.args.max_time) as scope:
                        await self._print_start(communicator)
                        started = True
                        complete = await self._print_body(communicator)
                    stopped = scope.cancelled_caught
                except Exception as error:
                    failure = error
                if started and (complete or stopped or failure is not None):
                    output.end_line()
                if stopped:
                    output.note(
                        f"asgitest: stopped after --max-time {self.args.max_time:g}s and "
                        "disconnected; the response was still streaming.",
                        "dim",
                    )
                if failure is not None:  # said first, then the wait for the app to return
                    status = report_failure(
                        output, failure, communicator.transcript, self.args.transcript
                    )
                why = (
                    "the response is complete"
                    if complete
                    else "the client disconnected (http.disconnect)"
                )
                await self._let_return(
                    communicator, why, lambda grace: communicator.disconnect(timeout=grace)
                )
        except Exception as error:
            if failure is None:
                status = report_failure(
                    output, error, communicator.transcript, self.args.transcript
                )
        if self.args.transcript:
            output.transcript(communicator.transcript)
        return status

    async def _print_start(self, communicator: Any) -> None:
        output = self.output
        style = output.style
        start = await receive(communicator, '"http.response.start"', self.budget.left())
        if not isinstance(start, dict) or start.get("type") != "http.response.start":
            raise _unexpected(communicator, '"http.response.start"', start)
        if self.args.silent_headers:
            return
        status = start.get("status")
        colour = "green" if type(status) is int and status < 400 else "red"
        version = communicator.scope.get("http_version", "1.1")
        output.line(style(f"HTTP/{version} {describe_status(status)}", "bold", colour))
        for name, value in header_lines(start.get("headers")):
            output.line(f"{style(name, 'cyan')}: {value}")
        output.line()

    async def _print_body(self, communicator: Any) -> bool:
        """Print the body as it arrives; ``True`` once complete."""
        output = self.output
        while True:
            message = await receive(communicator, '"http.response.body"', self.budget.left())
            if not isinstance(message, dict) or message.get("type") != "http.response.body":
                raise _unexpected(communicator, '"http.response.body"', message)
            chunk, note = body_bytes(message.get("body"))
            if note is not None:
                output.note(f"asgitest: {note}", "dim")
            if chunk:
                output.body(chunk)
            if not truthy(message.get("more_body", False)):
                return True

    # ------------------------------------------------------------------ websocket

    async def websocket(self) -> int:
        return await self.with_lifespan(self._websocket)

    async def _websocket(self) -> int:
        from .._websocket import WebsocketCommunicator

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
            timeout=args.timeout,
            strict=self.strict,
            scope=self.extra_scope(),
        )
        self.watch(communicator.transcript)
        status = EXIT_OK
        failure: BaseException | None = None
        try:
            async with communicator:
                closed = False
                try:
                    connected, detail = await communicator.connect(timeout=self.budget.left())
                    if not connected:
                        reason = communicator.close_reason
                        output.line(
                            style(
                                "refused: the app closed the handshake with code "
                                f"{detail if type(detail) is int else short_repr(detail)}",
                                "red",
                            )
                            + (f" ({_reason_text(reason)})" if reason else "")
                        )
                        status = EXIT_FAILED
                        closed = True
                    else:
                        protocol = f" (subprotocol {detail!r})" if detail else ""
                        output.line(style(f"connected to {args.path}{protocol}", "green"))
                        closed = await self._drain(communicator)
                        for text in args.send:
                            if closed:
                                output.note(
                                    f"asgitest: not sent, the socket is closed: {text!r}", "dim"
                                )
                                continue
                            await communicator.send_to(text_data=text)
                            output.line(f"{style('>', 'blue', 'bold')} {text}")
                            closed = await self._drain(communicator)
                        if not closed:
                            await communicator.disconnect(timeout=self.budget.grace())
                            output.line(style("closed by the client with code 1000", "dim"))
                            closed = True
                except Exception as error:
                    failure = error
                    status = report_failure(output, error, communicator.transcript, args.transcript)
                why = (
                    "the app closed the socket"
                    if closed
                    else "the client disconnected (websocket.disconnect)"
                )
                await self._let_return(
                    communicator, why, lambda grace: communicator.disconnect(timeout=grace)
                )
        except Exception as error:
            if failure is None:
                status = report_failure(output, error, communicator.transcript, args.transcript)
        if args.transcript:
            output.transcript(communicator.transcript)
        return status

    async def _drain(self, communicator: Any) -> bool:
        """Print frames until the app is quiet for --wait seconds; ``True`` if it closed."""
        output = self.output
        style = output.style
        while True:
            if self.budget.spent():
                output.note(
                    f"asgitest: stopped reading after --timeout {self.args.timeout:g}s; the app "
                    "was still sending frames",
                    "dim",
                )
                return False
            if await communicator.receive_nothing(min(self.args.wait, self.budget.left())):
                return False
            message = await communicator.receive_output(self.budget.left())
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "websocket.send":
                output.line(f"{style('<', 'magenta', 'bold')} {_frame_text(message)}")
            elif kind == "websocket.close":
                code = message.get("code", 1000)
                code = 1000 if code is None else code
                reason = message.get("reason")
                shown = code if type(code) is int else short_repr(code)
                output.line(
                    style(f"closed by the app with code {shown}", "yellow")
                    + (f" (reason: {_reason_text(reason)})" if reason else "")
                )
                return True
            else:
                output.line(f"{style('?', 'red')} {format_message(message)}")

    # ------------------------------------------------------------------ lifespan

    async def lifespan(self) -> int:
        output = self.output
        style = output.style
        mode = self.args.lifespan or "auto"
        lifespan = CliLifespan(
            self.app, mode="on" if mode == "on" else "auto", timeout=None, strict=self.strict
        )
        self.watch(lifespan.transcript)
        status = EXIT_OK
        try:
            began = time.monotonic()
            try:
                started = await lifespan.startup(self.budget.left())
            except Timeout as error:
                output.line(style("startup: did not complete", "red"))
                output.error(first_line(error))
                print_error_notes(output, error)
                return EXIT_FAILED
            elapsed = time.monotonic() - began
            if started.outcome == "unsupported":
                output.line(style(f"startup: not supported (the app {started.detail})", "yellow"))
                output.line(
                    "Servers in lifespan=auto mode (uvicorn's default, hypercorn) carry on "
                    "without it."
                )
                return EXIT_OK
            if started.outcome == "failed":
                rule = f" [{started.rule_id}]" if started.rule_id else ""
                output.line(style(f"startup: failed{rule}: {started.detail}", "red"))
                if started.error is not None and not isinstance(started.error, AsgitestError):
                    output.traceback(started.error)
                status = EXIT_FAILED
            else:
                output.line(style(f"startup: complete in {elapsed:.3f}s", "green"))
                if lifespan.state:
                    output.line("state:")
                    for key, value in lifespan.state.items():
                        output.line(f"  {key}: {short_repr(value)}")
                else:
                    output.line("state: (empty)")
                began = time.monotonic()
                try:
                    failure = await lifespan.shutdown(self.budget.left())
                except Timeout as error:
                    output.line(style("shutdown: did not complete", "red"))
                    output.error(first_line(error))
                    print_error_notes(output, error)
                    return EXIT_FAILED
                elapsed = time.monotonic() - began
                if failure is None:
                    output.line(style(f"shutdown: complete in {elapsed:.3f}s", "green"))
                else:
                    output.line(style(f"shutdown: failed: {failure}", "red"))
                    status = EXIT_FAILED
        finally:
            await lifespan.aclose()
        if self.args.transcript or status != EXIT_OK:
            output.transcript(lifespan.transcript, "Lifespan transcript")
        return status

    # ------------------------------------------------------------------ check

    async def check(self) -> int:
        from ._probe import run_probe

        args = self.args
        with _captured_app_output() as captured:
            report = await run_probe(
                self.app,
                name=args.app,
                path=args.path,
                post_path=args.post_path,
                disconnect_path=args.disconnect_path,
                websocket_path=args.websocket_path,
                frames=args.frames,
                timeout=self.args.timeout,
                strict=args.strict,
                lifespan=args.lifespan or "auto",
            )
        ok = report.ok(fail_on_warnings=args.fail_on_warnings)
        output = self.output
        if args.as_json:
            data = report.as_dict()
            data["ok"] = ok
            output.line(json.dumps(data, indent=2))
        else:
            self._print_report(report, ok)
        lines = captured.getvalue().splitlines()
        if lines:
            output.note(
                f"What the app logged or printed during the probe ({len(lines)} "
                f"line{'s' if len(lines) != 1 else ''}):",
                "bold",
            )
            for line in lines:
                output.note(f"  {line}", "dim")
        return EXIT_OK if ok else EXIT_FAILED

    def _print_report(self, report: Any, ok: bool) -> None:
        output = self.output
        style = output.style
        output.line(style(f"asgitest check {self.args.app}", "bold"))
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


def _strip(detail: str) -> str:
    return detail.removeprefix("it ") if detail.startswith("it ") else detail


def _frame_text(message: dict[str, Any]) -> str:
    text, data = message.get("text"), message.get("bytes")
    if type(text) is str and data is None:
        return text
    if text is None and type(data) is bytes:
        return repr(data)
    return f"text={short_repr(text)} bytes={short_repr(data)}"


def _reason_text(reason: Any) -> str:
    return reason if type(reason) is str else short_repr(reason)


@contextlib.contextmanager
def _captured_app_output() -> Iterator[io.StringIO]:
    """Collect what the app logs or prints while the probe runs, to show it after the report.

    Records reaching the root logger are formatted as Python's last-resort handler does
    (``levelname:name:message`` would be noise: just the message); handlers that write to
    the terminal (Django's ``console`` handler, for one) write into the buffer meanwhile;
    ``print()`` goes there too.
    """
    buffer = io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(logging.WARNING)
    swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
    for logger in [root, *logging.Logger.manager.loggerDict.values()]:
        for existing in getattr(logger, "handlers", ()):
            if isinstance(existing, logging.StreamHandler) and existing.stream in (
                sys.stdout,
                sys.stderr,
                sys.__stdout__,
                sys.__stderr__,
            ):
                swapped.append((existing, existing.setStream(buffer)))
    lone = not root.handlers  # else a handler of the app's own, swapped above, has it
    if lone:
        root.addHandler(handler)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        if lone:
            root.removeHandler(handler)
        for existing, stream in swapped:
            existing.setStream(stream)
