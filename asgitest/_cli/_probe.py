"""The conformance probe behind ``asgitest check``: real conversations, findings with rule ids.

Each step is one connection driven by an asgitest communicator with the spec checker on.
Whatever goes wrong in a step becomes a :class:`Finding`: a ``ProtocolError`` or
``ProtocolWarning`` from the checker (with its rule id), an exception the app raised, a
timeout (with the transcript), an app that ignores a disconnect. The probe itself never
raises for the app's misbehaviour, and every wait is bounded by the timeout.
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from .._config import DEFAULT, normalize_strict
from .._errors import (
    AsgitestError,
    InvalidApplication,
    LeakedAppWarning,
    ProtocolError,
    ProtocolWarning,
    Timeout,
    UnexpectedMessage,
    UsageError,
)
from .._http import HttpCommunicator
from .._transcript import Transcript, format_message
from .._websocket import WebsocketCommunicator
from ._lifespan import CliLifespan
from ._output import describe_status, truthy

if TYPE_CHECKING:
    from .._communicator import ApplicationCommunicator
    from .._config import StrictArg, Strictness

__all__ = [
    "Finding",
    "ProbeReport",
    "StepResult",
    "receive",
    "run_probe",
]

Severity = Literal["error", "warning", "info"]

_PROBE_TEXT: Final = "asgitest probe"


@dataclass
class Finding:
    """Something the probe found wrong (or worth knowing) about the application.

    Attributes:
        step: the probe step, e.g. ``"GET /"``.
        severity: ``"error"`` (a violation: ``asgitest check`` exits non-zero), ``"warning"``
            or ``"info"``.
        message: what happened, in words.
        rule_id: the ASGI rule broken (``"R57"``), or ``None`` when no rule applies.
        transcript: the connection's transcript for errors, else ``None``.
    """

    step: str
    severity: Severity
    message: str
    rule_id: str | None = None
    transcript: str | None = None


@dataclass
class StepResult:
    """One step of the probe: what was done and how it went (``"ok"``, ``"failed"``...)."""

    name: str
    outcome: str
    summary: str = ""
    seconds: float = 0.0


@dataclass
class ProbeReport:
    """Everything ``asgitest check`` prints: the steps and the findings."""

    app: str
    steps: list[StepResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that count as violations."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity ``"warning"``."""
        return [f for f in self.findings if f.severity == "warning"]

    def ok(self, *, fail_on_warnings: bool = False) -> bool:
        """``True`` if there is no violation (nor warning, with ``fail_on_warnings``)."""
        return not self.errors and not (fail_on_warnings and self.warnings)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "app": self.app,
            "ok": self.ok(),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "steps": [{**asdict(step), "seconds": round(step.seconds, 4)} for step in self.steps],
            "findings": [asdict(finding) for finding in self.findings],
        }


def _first_line(text: str) -> str:
    """The first line of an error's text, without the leading rule id (shown separately)."""
    line = text.strip().splitlines()[0] if text.strip() else text
    rule, sep, rest = line.partition(": ")
    if sep and rule[:1] == "R" and rule[1:].isdigit():
        return rest
    return line


@dataclass
class _Response:
    status: Any
    size: int
    complete: bool

    def summary(self) -> str:
        more = "" if self.complete else " (still streaming)"
        return f"{describe_status(self.status)}, {self.size} bytes{more}"


class _Probe:
    def __init__(
        self,
        application: Any,
        report: ProbeReport,
        *,
        timeout: float | None,
        strict: Strictness,
        state: dict[str, Any] | None,
        frames: list[str],
    ) -> None:
        self.frames = frames
        self.application = application
        self.report = report
        self.timeout = timeout
        self.strict = strict
        self.state = state

    def _extra_scope(self) -> dict[str, Any] | None:
        return {"state": dict(self.state)} if self.state is not None else None

    def add(
        self,
        step: str,
        severity: Severity,
        message: str,
        rule_id: str | None = None,
        transcript: Transcript | None = None,
    ) -> None:
        for existing in self.report.findings:
            if (existing.step, existing.rule_id, existing.message) == (step, rule_id, message):
                return
        self.report.findings.append(
            Finding(step, severity, message, rule_id, transcript.render() if transcript else None)
        )

    async def step(
        self,
        name: str,
        body: Callable[[], Awaitable[str]],
        transcript: Callable[[], Transcript | None],
    ) -> str:
        """Run one step, turning everything that goes wrong into findings."""
        started = time.monotonic()
        outcome = "ok"
        summary = ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                summary = await body()
            except (InvalidApplication, UsageError):
                raise
            except ProtocolError as error:
                outcome = "failed"
                self.add(name, "error", _first_line(str(error)), error.rule_id, transcript())
            except Timeout as error:
                outcome = "failed"
                self.add(name, "error", *_classify_timeout(error), transcript())
            except AsgitestError as error:  # e.g. a helper got another message type
                outcome = "failed"
                self.add(name, "error", _first_line(str(error)), None, transcript())
            except Exception as error:
                outcome = "failed"
                self.add(
                    name,
                    "error",
                    f"the app raised {type(error).__name__}: {error}",
                    # R59: an HTTP app's exception is its failure; R14 for the other protocols.
                    "R59" if name.startswith(("GET ", "HEAD ", "POST ")) else "R14",
                    transcript(),
                )
        for record in caught:
            warning = record.message
            if isinstance(warning, ProtocolWarning):
                self.add(name, "warning", _first_line(str(warning)), warning.rule_id or None)
            elif isinstance(warning, LeakedAppWarning):
                outcome = "failed"
                self.add(name, "error", _first_line(str(warning)), None, transcript())
        if outcome == "ok" and any(
            f.step == name and f.severity != "info" for f in self.report.findings
        ):
            outcome = "findings"
        self.report.steps.append(StepResult(name, outcome, summary, time.monotonic() - started))
        return outcome

    def http(
        self, method: str, path: str, body: bytes = b"", headers: Any = None
    ) -> HttpCommunicator:
        return HttpCommunicator(
            self.application,
            method,
            path,
            body,
            headers or [(b"host", b"testserver")],
            timeout=self.timeout,
            strict=self.strict,
            scope=self._extra_scope(),
        )

    @property
    def step_limit(self) -> float:
        """How long a response may stream before the probe stops reading it."""
        return 3 * self.timeout if self.timeout is not None else 30.0

    async def read_response(self, communicator: HttpCommunicator, step: str) -> _Response:
        """Like ``get_response()``, but stops reading a response that does not end.

        Each message gets the timeout; the whole response gets :attr:`step_limit`, after which
        the probe leaves the stream (the caller's ``async with`` then disconnects).
        """
        if not communicator.sent_request:
            communicator.sent_request = True
            await communicator.send_input({"type": "http.request", "body": communicator.body})
        start = await receive(communicator, '"http.response.start"')
        expect_type(communicator, start, "http.response.start")
        deadline = time.monotonic() + self.step_limit
        size = 0
        while True:
            message = await receive(communicator, '"http.response.body"')
            expect_type(communicator, message, "http.response.body")
            chunk = message.get("body", b"")
            size += len(chunk) if isinstance(chunk, bytes | bytearray | str) else 0
            if not truthy(message.get("more_body", False)):
                return _Response(start.get("status"), size, complete=True)
            if time.monotonic() > deadline:
                self.add(
                    step,
                    "warning",
                    f"the response was still streaming after {self.step_limit:g}s; the probe "
                    "stopped reading and disconnected. Point --path at a page whose response "
                    "ends, and --disconnect-path at the stream.",
                )
                return _Response(start.get("status"), size, complete=False)

    async def request_step(self, method: str, path: str) -> str:
        name = f"{method} {path}"
        holder: list[HttpCommunicator] = []

        async def body() -> str:
            async with self.http(method, path) as communicator:
                holder.append(communicator)
                response = await self.read_response(communicator, name)
            size = response.size
            if method == "HEAD" and size:
                self.add(
                    name,
                    "warning",
                    f"the response to HEAD has a {size}-byte body; servers drop it, and a "
                    "HEAD response should have none",
                    "R51",
                )
            return response.summary()

        await self.step(name, body, lambda: holder[0].transcript if holder else None)
        return name

    async def unknown_path_step(self) -> None:
        path = f"/asgitest-probe-{uuid.uuid4().hex[:8]}-no-such-page"
        name = "GET an unknown path"
        holder: list[HttpCommunicator] = []

        async def body() -> str:
            async with self.http("GET", path) as communicator:
                holder.append(communicator)
                response = await self.read_response(communicator, name)
            if response.status != 404:
                self.add(
                    name,
                    "info",
                    f"GET {path} answered {describe_status(response.status)}, not 404 Not Found",
                )
            return f"{path} -> {describe_status(response.status)}"

        await self.step(name, body, lambda: holder[0].transcript if holder else None)

    async def chunked_post_step(self, path: str) -> None:
        name = f"POST {path} (chunked body)"
        holder: list[HttpCommunicator] = []
        chunks = [b'{"asgitest": ', b'"probe", ', b'"chunks": 3}']

        async def body() -> str:
            headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
            async with self.http("POST", path, headers=headers) as communicator:
                holder.append(communicator)
                for chunk in chunks:
                    await communicator.send_input(
                        {"type": "http.request", "body": chunk, "more_body": True}
                    )
                await communicator.send_input(
                    {"type": "http.request", "body": b"", "more_body": False}
                )
                communicator.sent_request = True
                response = await self.read_response(communicator, name)
            return response.summary()

        await self.step(name, body, lambda: holder[0].transcript if holder else None)

    async def disconnect_step(self, path: str) -> None:
        name = f"GET {path}, client disconnects"
        holder: list[HttpCommunicator] = []

        async def body() -> str:
            communicator = self.http("GET", path)
            holder.append(communicator)
            async with communicator:
                await communicator.send_input({"type": "http.request", "body": b""})
                start = await receive(communicator, '"http.response.start"')
                expect_type(communicator, start, "http.response.start")
                # Leaving the block disconnects the client now, whatever is still to come;
                # an app that does not return in time is cancelled with a LeakedAppWarning.
            return f"disconnected after {format_message(start).split(' ')[0]}; the app returned"

        await self.step(name, body, lambda: holder[0].transcript if holder else None)

    async def websocket_step(self, path: str) -> None:
        name = f"WebSocket {path}"
        holder: list[WebsocketCommunicator] = []

        async def body() -> str:
            communicator = WebsocketCommunicator(
                self.application,
                path,
                [(b"host", b"testserver"), (b"origin", b"http://testserver")],
                timeout=self.timeout,
                strict=self.strict,
                scope=self._extra_scope(),
            )
            holder.append(communicator)
            async with communicator:
                try:
                    connected, detail = await communicator.connect()
                except (ProtocolError, Timeout):
                    raise
                except Exception as error:
                    if not communicator.transcript.sent_by_app():
                        self.add(
                            name,
                            "info",
                            "the app does not speak WebSocket: it raised "
                            f"{type(error).__name__}: {error} (rejecting an unknown scope "
                            "type with an exception is what the spec asks, R17)",
                        )
                        return "not spoken (the app raised, as the spec asks)"
                    raise
                if not connected:
                    return f"refused with close code {detail}"
                frames = 0
                for text in self.frames:
                    await communicator.send_to(text_data=text)
                    while not await communicator.receive_nothing(min(0.2, self.timeout or 0.2)):
                        message = await communicator.receive_output()
                        if isinstance(message, dict) and message.get("type") == "websocket.close":
                            return f"accepted, {frames} frame(s) back, then closed by the app"
                        frames += 1
                await communicator.disconnect()
            return f"accepted, {frames} frame(s) back, disconnected cleanly"

        await self.step(name, body, lambda: holder[0].transcript if holder else None)


async def receive(
    communicator: ApplicationCommunicator, awaited: str, timeout: float | None = None
) -> Any:
    """``receive_output()``, saying what is awaited in a timeout's message."""
    return await communicator._receive_expecting(awaited, DEFAULT if timeout is None else timeout)


def expect_type(communicator: ApplicationCommunicator, message: Any, kind: str) -> None:
    """Raise :class:`~asgitest.UnexpectedMessage` unless ``message`` has type ``kind``."""
    if isinstance(message, dict) and message.get("type") == kind:
        return
    raise UnexpectedMessage(
        f'Expected "{kind}" from the app, got {format_message(message)}.',
        message=message,
        transcript=communicator.transcript,
        scope=communicator.scope,
    )


def _classify_timeout(error: Timeout) -> tuple[str, str | None]:
    """The message and rule of a finding for a timeout."""
    text = _first_line(str(error))
    if error.app_state == "finished":
        awaited = error.awaited
        if "response.start" in awaited:
            return ("the app returned without starting the response: " + text, "R57")
        if "response.body" in awaited:
            return ("the app returned without completing the response: " + text, "R58")
        if "accept" in awaited:
            return ("the app returned without accepting or closing the WebSocket: " + text, "R90")
    return (text + " (the app hangs?)" if error.app_state == "running" else text, None)


async def run_probe(
    application: Any,
    *,
    name: str = "app",
    path: str = "/",
    post_path: str | None = None,
    disconnect_path: str | None = None,
    websocket_path: str | None = None,
    frames: Sequence[str] | None = None,
    timeout: float | None = 5.0,
    strict: StrictArg = "error",
    lifespan: Literal["auto", "on", "off"] = "auto",
) -> ProbeReport:
    """Probe an ASGI application for spec conformance and return the findings.

    Steps: lifespan startup, ``GET`` and ``HEAD`` of ``path``, an unknown path, a ``POST``
    with a body in several chunks, a client that disconnects after the response starts, a
    WebSocket connection (if the app speaks it), lifespan shutdown. Each runs with the spec
    checker at ``strict``: rules of severity "error" end the step with an error finding,
    warnings are collected as warning findings.

    Args:
        application: the ASGI application.
        name: how the report names the app (e.g. its import string).
        path: the path for GET, HEAD and (by default) the other HTTP steps.
        post_path: the path of the chunked POST (default ``path``).
        disconnect_path: the path of the disconnect step (default ``path``).
        websocket_path: the path of the WebSocket step (default ``path``).
        frames: the text frames the WebSocket step sends, in order (default one frame,
            ``"asgitest probe"``); each is followed by reading what the app sends back.
        timeout: seconds for each wait (``None``: wait forever).
        strict: ``"error"`` or ``"pedantic"`` (stop a step at the first violation) or
            ``"warn"`` (collect every finding as a warning).
        lifespan: ``"auto"`` (like uvicorn: an app without lifespan is fine), ``"on"``
            (an app without lifespan is an error) or ``"off"``.

    Raises:
        InvalidApplication: ``application`` is not an ASGI application.

    Example:
        ```python
        report = await run_probe(app, path="/")
        assert report.ok(), report.findings
        ```
    """
    mode = normalize_strict(strict)
    if mode == "off":
        raise UsageError(
            "The probe needs the spec checker: strict must be error, pedantic or warn."
        )
    report = ProbeReport(name)
    probe = _Probe(
        application,
        report,
        timeout=timeout,
        strict=mode,
        state=None,
        frames=[_PROBE_TEXT] if frames is None else list(frames),
    )
    # Always "auto" underneath: whether a missing lifespan is a violation is decided here.
    session = CliLifespan(application, mode="auto", timeout=timeout, strict=mode)
    started = False
    try:
        if lifespan != "off":

            async def startup() -> str:
                nonlocal started
                outcome = await session.startup(timeout)
                if outcome.outcome == "complete":
                    started = True
                    probe.state = session.state
                    keys = ", ".join(sorted(session.state)) or "none"
                    return f"startup complete (state keys: {keys})"
                if outcome.outcome == "unsupported":
                    severity: Severity = "error" if lifespan == "on" else "info"
                    probe.add(
                        "lifespan startup",
                        severity,
                        f"lifespan is not supported: the app {outcome.detail.removeprefix('it ')}",
                    )
                    if outcome.error is not None:
                        probe.add(
                            "lifespan startup",
                            "warning",
                            "the app raised during startup instead of sending "
                            '"lifespan.startup.failed"; uvicorn\'s default lifespan mode then '
                            "serves without lifespan and logs the error at INFO level only",
                            "R99",
                        )
                    return "not supported"
                probe.add(
                    "lifespan startup",
                    "error",
                    f"startup failed: {outcome.detail}",
                    outcome.rule_id,
                    session.transcript,
                )
                return "startup failed"

            await probe.step("lifespan startup", startup, lambda: session.transcript)

        await probe.request_step("GET", path)
        await probe.request_step("HEAD", path)
        await probe.unknown_path_step()
        await probe.chunked_post_step(post_path or path)
        await probe.disconnect_step(disconnect_path or path)
        await probe.websocket_step(websocket_path or path)

        if started:

            async def shutdown() -> str:
                failure = await session.shutdown(timeout)
                if failure is not None:
                    probe.add(
                        "lifespan shutdown",
                        "error",
                        f"shutdown failed: {failure}",
                        None,
                        session.transcript,
                    )
                    return "shutdown failed"
                return "shutdown complete"

            await probe.step("lifespan shutdown", shutdown, lambda: session.transcript)
    finally:
        await session.aclose()
    return report
