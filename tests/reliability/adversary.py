"""Adversarial ASGI applications as data, one generic app that plays them, and the drivers.

A *program* is a list of steps (send a message, receive, sleep, raise, hang, return, spawn a
background task that sends or receives later). :func:`make_app` turns a program into a raw
ASGI application that records everything it did in a :class:`AppLog`. A *driver* runs one
communicator against such an app with a list of test-side operations and records, per call,
what it returned or raised (:class:`Call`). :func:`run_example` runs one whole example on one
backend and collects everything the properties look at: the calls, the app's log, the
transcripts, the warnings, the unraisable exceptions, asyncio's error log and the engine
states.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from hypothesis import strategies as st

import asgitest
from asgitest import (
    ApplicationCommunicator,
    AsgitestError,
    HttpCommunicator,
    LeakedAppWarning,
    LifespanCommunicator,
    ProtocolError,
    ProtocolWarning,
    WebsocketCommunicator,
    _core,
)

# The timeout of every communicator in the suite: short, so that hanging apps cost little.
T = 0.05
# A generous bound on any single call (its timeout plus scheduling slack on a loaded machine).
CALL_LIMIT = 5.0
# A bound on a background task's late send()/receive() after the app is gone.
LATE_LIMIT = 2.0

BACKENDS = ("asyncio", "trio")
STRICTNESS = ("error", "pedantic", "warn", "off")


class AppError(Exception):
    """An ordinary exception raised by an adversarial app."""


class FakeInterrupt(BaseException):
    """A KeyboardInterrupt stand-in: a BaseException subclass that is not an Exception."""


# ---------------------------------------------------------------------------- program steps


@dataclass(frozen=True)
class Send:
    message: Any


@dataclass(frozen=True)
class Receive:
    pass


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Raise:
    kind: str  # "error", "interrupt" or "cancelled"


@dataclass(frozen=True)
class Hang:
    pass


@dataclass(frozen=True)
class Return:
    pass


@dataclass(frozen=True)
class Spawn:
    """A background task (outliving the app if need be) that later sends or receives."""

    delay: float
    action: Send | Receive


Step = Send | Receive | Sleep | Raise | Hang | Return | Spawn


@dataclass
class AppLog:
    """What the generic app did, in order, recorded by the app itself."""

    events: list[list[Any]] = field(default_factory=list)  # [kind, message, outcome, task]
    raised: list[BaseException] = field(default_factory=list)
    late: list[list[Any]] = field(default_factory=list)  # spawned actions: [kind, msg, outcome]
    returned: bool = False


def make_app(
    program: list[Step], log: AppLog, spawn: Callable[[Callable[[], Awaitable[None]]], None]
) -> Any:
    """A raw ASGI app that plays ``program`` and records what it did into ``log``."""

    async def do_send(send: Any, message: Any, where: list[list[Any]]) -> None:
        # Recorded when the call starts: the engine records a sent message at once.
        entry = ["send", message, None]
        where.append(entry)
        try:
            await send(message)
        except BaseException as exc:
            entry[2] = exc
            raise

    async def do_receive(receive: Any, where: list[list[Any]]) -> None:
        # Recorded when the call ends: the message was delivered before that.
        entry: list[Any] = ["receive", None, None]
        try:
            entry[1] = await receive()
        except BaseException as exc:
            entry[2] = exc
            raise
        finally:
            where.append(entry)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        for step in program:
            if isinstance(step, Send):
                await do_send(send, step.message, log.events)
            elif isinstance(step, Receive):
                await do_receive(receive, log.events)
            elif isinstance(step, Sleep):
                await anyio.sleep(step.seconds)
            elif isinstance(step, Raise):
                error: BaseException
                if step.kind == "error":
                    error = AppError("the app failed on purpose")
                elif step.kind == "interrupt":
                    error = FakeInterrupt("a KeyboardInterrupt stand-in")
                else:
                    error = asyncio.CancelledError()
                log.raised.append(error)
                raise error
            elif isinstance(step, Hang):
                await anyio.Event().wait()  # an event that never fires
            elif isinstance(step, Return):
                break
            elif isinstance(step, Spawn):
                spawn(_later(step, send, receive, log, do_send, do_receive))
        log.returned = True

    return app


def _later(
    step: Spawn, send: Any, receive: Any, log: AppLog, do_send: Any, do_receive: Any
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await anyio.sleep(step.delay)
        count = len(log.events)
        with anyio.move_on_after(LATE_LIMIT) as scope:
            try:
                if isinstance(step.action, Send):
                    await do_send(send, step.action.message, log.events)
                else:
                    await do_receive(receive, log.events)
            except Exception:
                pass  # recorded in the entry
        if scope.cancelled_caught:
            kind = "send" if isinstance(step.action, Send) else "receive"
            log.events.append([kind, None, "HANG"])
        log.late.extend(log.events[count:])

    return run


# ---------------------------------------------------------------------------- strategies

_weird_values = st.sampled_from(
    [None, 0, -1, 1.5, "", "text", b"", b"bytes", [], (), {}, [b"a"], object.__name__]
)


def _body(allow_huge: bool = True) -> st.SearchStrategy[Any]:
    options = [st.just(b""), st.binary(max_size=16), st.just("a str body"), _weird_values]
    if allow_huge:
        options.append(st.just(b"x" * (1 << 20)))
    return st.one_of(*options)


_headers = st.one_of(
    st.just([]),
    st.just([(b"content-type", b"text/plain")]),
    st.just([("content-type", "text/plain")]),  # str where bytes belong
    st.just({"content-type": "text/plain"}),
    st.just([(b"x", b"1", b"extra")]),
    st.just([b"not-a-pair"]),
    st.just([(b"Upper-Case", b"v")]),
    _weird_values,
)

_status = st.one_of(st.sampled_from([200, 204, 404, 500, 101, 99, 1000, 0]), st.just("200"))
_flag = st.one_of(st.booleans(), st.sampled_from([None, 0, 1, "yes"]))


def _maybe(key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just({}), values.map(lambda v: {key: v}))


def _message(kind: str, *parts: tuple[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    strategy: st.SearchStrategy[dict[str, Any]] = st.just({"type": kind})
    for key, values in parts:
        strategy = st.tuples(strategy, _maybe(key, values)).map(lambda p: {**p[0], **p[1]})
    return strategy


HTTP_MESSAGES = st.one_of(
    _message(
        "http.response.start", ("status", _status), ("headers", _headers), ("trailers", _flag)
    ),
    _message("http.response.body", ("body", _body()), ("more_body", _flag)),
    _message("http.response.trailers", ("headers", _headers), ("more_trailers", _flag)),
)

WEBSOCKET_MESSAGES = st.one_of(
    _message(
        "websocket.accept",
        ("subprotocol", st.sampled_from([None, "chat", 5])),
        ("headers", _headers),
    ),
    _message(
        "websocket.send",
        ("text", st.one_of(st.text(max_size=8), st.just(b"b"))),
        ("bytes", st.one_of(st.binary(max_size=8), st.just("s"), st.just(b"y" * (1 << 20)))),
    ),
    _message(
        "websocket.close",
        ("code", st.sampled_from([1000, 1011, 4000, 999, "x"])),
        ("reason", st.sampled_from(["", "bye", None, b"b", "r" * 200])),
    ),
    _message("websocket.http.response.start", ("status", _status), ("headers", _headers)),
)

LIFESPAN_MESSAGES = st.one_of(
    st.sampled_from(
        [
            {"type": "lifespan.startup.complete"},
            {"type": "lifespan.shutdown.complete"},
        ]
    ),
    _message("lifespan.startup.failed", ("message", st.sampled_from(["boom", "", 5]))),
    _message("lifespan.shutdown.failed", ("message", st.sampled_from(["boom", "", 5]))),
)

_GARBAGE = st.one_of(
    st.sampled_from(
        [
            {"type": "unknown.message"},
            {"type": ""},
            {"type": 5},
            {"type": b"http.response.start"},
            {},
            {"no": "type"},
        ]
    ),
    st.sampled_from([None, 42, "http.response.start", b"websocket.accept", ["type"], ("type",)]),
)

_BY_KIND = {"http": HTTP_MESSAGES, "websocket": WEBSOCKET_MESSAGES, "lifespan": LIFESPAN_MESSAGES}


def messages(kind: str) -> st.SearchStrategy[Any]:
    """Messages an app of scope type ``kind`` might send: its own protocol's (valid or not),
    other protocols', unknown types and non-dicts."""
    others = [strategy for name, strategy in _BY_KIND.items() if name != kind]
    return st.one_of(_BY_KIND[kind], _BY_KIND[kind], _BY_KIND[kind], _GARBAGE, *others)


def steps(kind: str, spawn: bool = True) -> st.SearchStrategy[Step]:
    options: list[st.SearchStrategy[Any]] = [
        messages(kind).map(Send),
        messages(kind).map(Send),
        st.just(Receive()),
        st.just(Receive()),
        st.sampled_from([0.0, 0.001]).map(Sleep),
        st.sampled_from(["error", "interrupt", "cancelled"]).map(Raise),
        st.just(Hang()),
        st.just(Return()),
    ]
    if spawn:
        options.append(
            st.builds(
                Spawn,
                st.sampled_from([0.0, 0.002, 0.08]),
                st.one_of(st.just(Receive()), messages(kind).map(Send)),
            )
        )
    return st.one_of(*options)


def programs(kind: str, spawn: bool = True) -> st.SearchStrategy[list[Step]]:
    return st.lists(steps(kind, spawn), max_size=10)


def _plausible(kind: str) -> st.SearchStrategy[list[Step]]:
    """Programs that mostly follow the protocol, so drivers get past the first message."""
    if kind == "http":
        head = [Receive(), Send({"type": "http.response.start", "status": 200, "headers": []})]
    elif kind == "websocket":
        head = [Receive(), Send({"type": "websocket.accept"})]
    else:
        head = [Receive(), Send({"type": "lifespan.startup.complete"})]
    return st.lists(steps(kind), max_size=8).map(lambda tail: head + tail)


def any_program(kind: str, spawn: bool = True) -> st.SearchStrategy[list[Step]]:
    if not spawn:
        return programs(kind, spawn=False)
    return st.one_of(programs(kind), _plausible(kind))


# ---------------------------------------------------------------------------- recording calls


@dataclass
class Call:
    """One public call made by the test, and how it ended."""

    name: str
    outcome: BaseException | None = None
    hung: bool = False
    elapsed: float = 0.0
    result: Any = None


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.communicators: list[ApplicationCommunicator] = []

    async def call(self, name: str, make: Callable[[], Awaitable[Any]]) -> Call:
        record = Call(name)
        self.calls.append(record)
        start = time.monotonic()
        with anyio.move_on_after(CALL_LIMIT) as scope:
            try:
                record.result = await make()
            except BaseException as exc:
                if scope.cancel_called:
                    raise
                record.outcome = exc
        record.elapsed = time.monotonic() - start
        if scope.cancelled_caught:
            record.hung = True
        return record


# ---------------------------------------------------------------------------- drivers

WS_OPS = (
    "connect",
    "send_text",
    "send_bytes",
    "receive_from",
    "receive_nothing",
    "receive_close",
    "disconnect",
)
RAW_OPS = ("send_input", "receive_output", "receive_nothing", "wait", "stop")
HTTP_DRIVERS = ("get_response", "stream", "stream_early_exit", "disconnect", "raw", "client")
LIFESPAN_DRIVERS = ("auto", "on", "raw", "testapp")

_FIRST_INPUT = {
    "http": [{"type": "http.request", "body": b"req", "more_body": False}],
    "websocket": [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hi"},
        {"type": "websocket.disconnect", "code": 1000},
    ],
    "lifespan": [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
}

_RAW_SCOPES = {
    "http": lambda: HttpCommunicator(_noop, "GET", "/").scope,
    "websocket": lambda: WebsocketCommunicator(_noop, "/ws").scope,
    "lifespan": lambda: {
        "type": "lifespan",
        "asgi": {"version": "3.0", "spec_version": "2.0"},
        "state": {},
    },
}


async def _noop(scope: Any, receive: Any, send: Any) -> None:
    """Only used to build scopes."""


async def drive_raw(app: Any, kind: str, ops: list[str], strict: str, rec: Recorder) -> None:
    communicator = ApplicationCommunicator(app, _RAW_SCOPES[kind](), timeout=T, strict=strict)
    rec.communicators.append(communicator)
    inputs = list(_FIRST_INPUT[kind])

    async def body() -> None:
        async with communicator:
            for op in ops:
                if op == "send_input":
                    message = inputs.pop(0) if inputs else _FIRST_INPUT[kind][-1]
                    await rec.call(op, lambda m=message: communicator.send_input(dict(m)))
                elif op == "receive_output":
                    await rec.call(op, communicator.receive_output)
                elif op == "receive_nothing":
                    await rec.call(op, lambda: communicator.receive_nothing(T))
                elif op == "wait":
                    await rec.call(op, communicator.wait)
                else:
                    await rec.call(op, _sync(communicator.stop))

    await rec.call("async with", body)


def _sync(function: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        return function()

    return run


async def drive_http(app: Any, driver: str, strict: str, rec: Recorder) -> None:
    if driver == "raw":
        await drive_raw(
            app,
            "http",
            ["send_input", "receive_output", "receive_output", "receive_nothing", "wait"],
            strict,
            rec,
        )
        return
    if driver == "client":
        # Client makes (and closes) its own communicators: no transcript to compare here.
        client = asgitest.Client(app, timeout=T, strict=strict)
        await rec.call("client.post", lambda: client.post("/x", content=b"req"))
        return
    communicator = HttpCommunicator(app, "POST", "/x", b"req", timeout=T, strict=strict)
    rec.communicators.append(communicator)

    async def get_response() -> Any:
        return await communicator.get_response()

    async def stream_all() -> Any:
        async with communicator.stream() as response:
            return [chunk async for chunk in response.iter_bytes()]

    async def stream_early_exit() -> Any:
        async with communicator.stream() as response:
            async for chunk in response.iter_bytes():
                return chunk
        return None

    async def disconnect() -> Any:
        await communicator.send_request()
        await communicator.receive_nothing(T)
        return await communicator.disconnect()

    operation = {
        "get_response": get_response,
        "stream": stream_all,
        "stream_early_exit": stream_early_exit,
        "disconnect": disconnect,
    }[driver]

    async def body() -> None:
        async with communicator:
            await rec.call(driver, operation)

    await rec.call("async with", body)


async def drive_websocket(app: Any, ops: list[str], strict: str, rec: Recorder) -> None:
    if ops and ops[0] == "raw":
        await drive_raw(
            app,
            "websocket",
            [
                "send_input",
                "receive_output",
                "send_input",
                "receive_output",
                "receive_nothing",
                "send_input",
                "wait",
            ],
            strict,
            rec,
        )
        return
    communicator = WebsocketCommunicator(app, "/ws", timeout=T, strict=strict)
    rec.communicators.append(communicator)
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "connect": communicator.connect,
        "send_text": lambda: communicator.send_to(text_data="hello"),
        "send_bytes": lambda: communicator.send_to(bytes_data=b"\x00\x01"),
        "receive_from": communicator.receive_from,
        "receive_nothing": lambda: communicator.receive_nothing(T),
        "receive_close": communicator.receive_close,
        "disconnect": communicator.disconnect,
    }

    async def body() -> None:
        async with communicator:
            for op in ops:
                await rec.call(op, calls[op])

    await rec.call("async with", body)


async def drive_lifespan(app: Any, driver: str, strict: str, rec: Recorder) -> None:
    if driver == "raw":
        await drive_raw(
            app,
            "lifespan",
            ["send_input", "receive_output", "send_input", "receive_output", "wait"],
            strict,
            rec,
        )
        return
    if driver == "testapp":
        testapp = asgitest.TestApp(app, timeout=T, strict=strict)

        async def run_testapp() -> None:
            try:
                async with testapp:  # startup; shutdown on exit
                    pass
            finally:
                if testapp.lifespan is not None:
                    rec.communicators.append(testapp.lifespan)

        await rec.call("TestApp async with", run_testapp)
        return
    communicator = LifespanCommunicator(app, timeout=T, strict=strict, lifespan=driver)
    rec.communicators.append(communicator)

    async def body() -> None:
        async with communicator:  # startup
            await rec.call("shutdown", communicator.shutdown)

    await rec.call("async with", body)


# ---------------------------------------------------------------------------- one example


@dataclass
class Example:
    kind: str  # "http", "websocket", "lifespan"
    program: list[Step]
    driver: str  # http / lifespan driver name; "ops" for websocket
    ops: list[str]
    strict: str


@dataclass
class Outcome:
    backend: str
    calls: list[Call]
    log: AppLog
    communicators: list[ApplicationCommunicator]
    engine_states: list[str]
    leftover_tasks: list[str]
    warnings: list[warnings.WarningMessage]
    unraisable: list[str]
    asyncio_errors: list[str]
    hung: bool
    elapsed: float


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def run_example(example: Example, backend: str) -> Outcome:
    """Run one example on ``backend`` and collect everything the properties look at."""
    rec = Recorder()
    log = AppLog()
    leftovers: list[str] = []
    hang_scope: list[Any] = []

    async def main() -> None:
        with anyio.move_on_after(30) as scope:
            hang_scope.append(scope)
            async with anyio.create_task_group() as harness:

                def spawn(make: Callable[[], Awaitable[None]]) -> None:
                    harness.start_soon(make)

                app = make_app(example.program, log, spawn)
                if example.kind == "http":
                    await drive_http(app, example.driver, example.strict, rec)
                elif example.kind == "websocket":
                    await drive_websocket(app, example.ops, example.strict, rec)
                else:
                    await drive_lifespan(app, example.driver, example.strict, rec)
            if backend == "asyncio":
                current = asyncio.current_task()
                leftovers.extend(repr(task) for task in asyncio.all_tasks() if task is not current)

    unraisable: list[str] = []
    error_log = _ErrorLog()
    asyncio_logger = logging.getLogger("asyncio")
    old_hook = sys.unraisablehook

    def hook(info: Any) -> None:
        unraisable.append(
            f"{info.err_msg or 'Exception ignored in'}: {info.object!r}\n"
            + "".join(traceback.format_exception(info.exc_value))
        )

    start = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("error")
        warnings.simplefilter("always", LeakedAppWarning)
        warnings.simplefilter("always", ProtocolWarning)
        sys.unraisablehook = hook
        asyncio_logger.addHandler(error_log)
        try:
            options: dict[str, Any] = {"debug": True} if backend == "asyncio" else {}
            anyio.run(main, backend=backend, backend_options=options)
            gc.collect()
        finally:
            sys.unraisablehook = old_hook
            asyncio_logger.removeHandler(error_log)
    elapsed = time.monotonic() - start
    states = [communicator._engine.state for communicator in rec.communicators]
    leftovers.extend(repr(task) for task in _core.running_tasks)
    return Outcome(
        backend=backend,
        calls=rec.calls,
        log=log,
        communicators=rec.communicators,
        engine_states=states,
        leftover_tasks=leftovers,
        warnings=list(caught),
        unraisable=unraisable,
        asyncio_errors=error_log.records,
        hung=bool(hang_scope and hang_scope[0].cancelled_caught),
        elapsed=elapsed,
    )


# ---------------------------------------------------------------------------- properties

ASGITEST_DIR = asgitest.__file__.rsplit("/", 1)[0]


def _frames(exc: BaseException) -> list[traceback.FrameSummary]:
    return traceback.extract_tb(exc.__traceback__)


def describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def classify(exc: BaseException | None, log: AppLog) -> str:
    """What a call's outcome means, as a short verdict; raises AssertionError if it is not
    one of the allowed kinds (asgitest's own errors, or the app's own exception)."""
    if exc is None:
        return "ok"
    if isinstance(exc, ProtocolError):
        return f"ProtocolError:{exc.rule_id}"
    if isinstance(exc, AsgitestError):
        return type(exc).__name__
    if any(exc is raised for raised in log.raised):
        return f"app:{type(exc).__name__}"
    frames = _frames(exc)
    where = frames[-1].filename if frames else "?"
    raise AssertionError(
        f"a {type(exc).__name__} that is neither asgitest's nor the app's own reached the "
        f"test (raised in {where}):\n{describe(exc)}"
    )


def check_outcome(example: Example, outcome: Outcome) -> list[str]:
    """Every property of one run; returns the verdicts of its calls."""
    assert not outcome.hung, f"the example hung on {outcome.backend}: {example}"
    verdicts = []
    for call in outcome.calls:
        assert not call.hung, f"{call.name}() hung on {outcome.backend}"
        assert call.elapsed < CALL_LIMIT, f"{call.name}() took {call.elapsed:.2f}s"
        exc = call.outcome
        assert not isinstance(exc, asyncio.CancelledError), (
            f"a bare CancelledError reached the test from {call.name}():\n{describe(exc)}"
        )
        assert not isinstance(exc, BaseExceptionGroup), (
            f"an exception group reached the test from {call.name}():\n{describe(exc)}"
        )
        verdicts.append(f"{call.name}={classify(exc, outcome.log)}")
    # The app's own calls: send()/receive() may raise asgitest's errors (ClientDisconnected,
    # ProtocolError...) or be cancelled, never anything else from asgitest.
    for kind, _message, result in outcome.log.events:
        if result == "HANG":
            raise AssertionError(f"a late {kind}() by a background task of the app hung")
        if result is None or isinstance(result, AsgitestError):
            continue
        if isinstance(result, ProtocolWarning | asyncio.CancelledError):
            continue
        if _is_cancellation(result):
            continue
        raise AssertionError(f"the app's {kind}() raised:\n{describe(result)}")
    assert all(state != "running" for state in outcome.engine_states), outcome.engine_states
    assert not outcome.leftover_tasks, outcome.leftover_tasks
    assert not outcome.unraisable, outcome.unraisable
    bad_logs = [text for text in outcome.asyncio_errors]
    assert not bad_logs, bad_logs
    for caught in outcome.warnings:
        assert issubclass(caught.category, LeakedAppWarning | ProtocolWarning), (
            f"unexpected warning: {caught.category.__name__}: {caught.message}"
        )
    check_transcript(outcome)
    return verdicts


def _is_cancellation(exc: BaseException) -> bool:
    trio = sys.modules.get("trio")
    return trio is not None and isinstance(exc, trio.Cancelled)


def check_transcript(outcome: Outcome) -> None:
    """The transcript holds every message the app sent, in order, and every message it
    received, each before what the app sent after receiving it."""
    if not outcome.communicators:
        return
    transcript = outcome.communicators[0].transcript
    entries = list(transcript)
    assert transcript.dropped == 0
    from_app = [entry for entry in entries if entry.direction == "from_app"]
    sent = [
        (message, result)
        for kind, message, result in outcome.log.events
        if kind == "send" and not isinstance(result, asgitest.ClientDisconnected)
    ]
    assert len(from_app) == len(sent), (
        f"the app sent {len(sent)} messages, the transcript holds {len(from_app)}:\n"
        f"{transcript.render()}"
    )
    for entry, (message, _result) in zip(from_app, sent, strict=True):
        assert _same(entry.message, message), (entry.message, message)
    # Received messages: matched in order against the to_app entries; each was delivered
    # before every message the app sent after receiving it.
    to_app = [entry for entry in entries if entry.direction == "to_app"]
    position = 0
    sends_seen = 0
    received_at = -1
    for kind, message, result in outcome.log.events:
        if kind == "send":
            if not isinstance(result, asgitest.ClientDisconnected):
                index = from_app[sends_seen].index
                assert received_at < index, (
                    f"message #{index} sent by the app is recorded before #{received_at}, "
                    f"which the app received earlier:\n{transcript.render()}"
                )
                sends_seen += 1
            continue
        if message is None:
            continue
        while position < len(to_app) and to_app[position].message != message:
            position += 1
        assert position < len(to_app), (
            f"the app received {message!r}, which the transcript does not hold (in order):\n"
            f"{transcript.render()}"
        )
        received_at = max(received_at, to_app[position].index)
        position += 1


def _same(recorded: Any, message: Any) -> bool:
    if recorded is message:
        return True
    if isinstance(recorded, dict) and isinstance(message, dict):
        if recorded.keys() != message.keys():
            return False
        for key, value in recorded.items():
            if isinstance(value, asgitest.Summarized):
                if value.size != len(message[key]):
                    return False
            elif value is not message[key] and value != message[key]:
                return False
        return True
    return False
